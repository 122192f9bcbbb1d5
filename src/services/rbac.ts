/**
 * Role-based access from configuration. Roles are ordered viewer < operator < approver < admin; a user's
 * role is the highest one any binding gives them. No binding means no role (only `help` and `whoami`).
 * Checks return values; they never throw.
 */
import { type Actor, type ConversationRef, ROLES, type Role } from "./vocabulary/identity.js";

export interface RbacBinding {
  role: Role;
  /** `<platform>:user:<id>`, `<platform>:group:<id>` (Discord also `discord:role:<id>`). */
  subjects: string[];
}

/** One human with their identities on each platform (`<platform>:user:<id>`). */
export interface Person {
  name: string;
  identities: string[];
}

export interface RbacConfig {
  bindings: RbacBinding[];
  /** Per-command channel allow-lists: command name → `<platform>:<channel id>`. */
  channels: Record<string, string[]>;
  /** Identities linked across platforms; config validation guarantees an identity is in one person only. */
  people?: Person[];
}

export type AccessCheck = { ok: true } | { ok: false; code: "E_FORBIDDEN" | "E_CHANNEL"; message: string };

export function roleRank(role: Role | undefined): number {
  return role === undefined ? -1 : ROLES.indexOf(role);
}

export function atLeast(role: Role | undefined, needed: Role): boolean {
  return roleRank(role) >= roleRank(needed);
}

/** The subjects an actor matches: their user id and each of their groups. */
export function subjectsOf(actor: Actor): Set<string> {
  const out = new Set<string>([`${actor.platform}:user:${actor.id}`]);
  for (const g of actor.groups) {
    out.add(`${actor.platform}:group:${g}`);
    if (actor.platform === "discord") out.add(`discord:role:${g}`);
  }
  return out;
}

export function matchesAny(actor: Actor, subjects: readonly string[]): boolean {
  const mine = subjectsOf(actor);
  return subjects.some((s) => mine.has(s));
}

/** Commands anyone may run, bound or not. */
export const OPEN_COMMANDS = new Set(["help", "whoami"]);

export class Rbac {
  private readonly personByIdentity = new Map<string, string>();

  constructor(private readonly config: RbacConfig) {
    for (const person of config.people ?? []) {
      for (const identity of person.identities) this.personByIdentity.set(identity, person.name);
    }
  }

  /**
   * The actor with `person` set to the configured person behind this identity, or without `person` when
   * the identity is linked to nobody; whatever an adapter put there is replaced, so only config decides.
   */
  identify(actor: Actor): Actor {
    const { person: _claimed, ...identity } = actor;
    const person = this.personByIdentity.get(`${actor.platform}:user:${actor.id}`);
    return person === undefined ? identity : { ...identity, person };
  }

  roleOf(actor: Actor): Role | undefined {
    let best: Role | undefined;
    for (const b of this.config.bindings) {
      if (matchesAny(actor, b.subjects) && roleRank(b.role) > roleRank(best)) best = b.role;
    }
    return best;
  }

  /** May this actor run a command needing `permission`, named `command`, in this conversation? */
  check(actor: Actor, command: string, permission: Role, conversation: ConversationRef): AccessCheck {
    if (!OPEN_COMMANDS.has(command)) {
      const role = this.roleOf(actor);
      if (!atLeast(role, permission)) {
        const have = role ? `your role is ${role}` : "you have no role";
        return {
          ok: false,
          code: "E_FORBIDDEN",
          message: `\`${command.replaceAll(".", " ")}\` needs the ${permission} role; ${have}. Ask an admin to bind you in the bot's rbac config.`,
        };
      }
    }
    const allowed = this.config.channels[command];
    if (allowed && !allowed.includes(`${conversation.platform}:${conversation.channelId}`)) {
      return {
        ok: false,
        code: "E_CHANNEL",
        message: `\`${command.replaceAll(".", " ")}\` may not be run in this channel; it is allowed in: ${allowed.join(", ")}.`,
      };
    }
    return { ok: true };
  }
}
