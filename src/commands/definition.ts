/**
 * A command, independent of any chat platform. `args` is a zod object schema: flags map onto its keys
 * (`--dry-run` → `dryRun`), positionals onto the names in `positionals`. `.describe()` on each key feeds
 * help and Discord option registration.
 */
import type { z } from "zod";
import type { ApprovalStore, AuditLog, Clock, JobQueue, Log } from "../services/ports.js";
import type { ProvisionServices } from "../services/provision/deps.js";
import type { Proxmox } from "../services/proxmox.js";
import type { Rbac } from "../services/rbac.js";
import type { TemplateServices } from "../services/templates/build/deps.js";
import type { ImageCatalog } from "../services/templates/catalog/catalog.js";
import type { UpdateServices } from "../services/updates/deps.js";
import type { Actor, ConversationRef, Role } from "../services/vocabulary/identity.js";
import type { Reply } from "../services/vocabulary/reply.js";
import type { ResolvedTarget } from "../services/vocabulary/target.js";

export type { ResolvedTarget };

/**
 * What an argument's values are, so a platform with autocomplete (Discord) can suggest them while the user
 * types: catalog distro keys, the bot's template names, VM names and ids, cluster nodes, job ids, alert ids.
 */
export type SuggestKind = "distro" | "template" | "vm" | "node" | "job" | "alert";

/** One positional argument, in order. A variadic one collects the rest into an array. */
export interface PositionalArg {
  name: string;
  variadic?: boolean;
}

export interface CommandDefinition<S extends z.ZodObject = z.ZodObject, T = unknown> {
  /** Dotted name: `template.build`; typed in chat with spaces: `template build`. */
  name: string;
  summary: string;
  args: S;
  positionals?: PositionalArg[];
  /** Arguments (by schema key) whose values can be suggested while typed; see {@link SuggestKind}. */
  suggest?: Readonly<Record<string, SuggestKind>>;
  permission: Role;
  destructive: boolean;
  /**
   * For a command that is not destructive in general but needs a second person for some arguments (a
   * `vm create` profile marked `approval: true`): true sends it through the approval gate like a
   * destructive one. Decided from config and arguments only, before any request.
   */
  needsApproval?(services: CommandServices, args: z.infer<S>): boolean;
  /**
   * Finds the target before authorize's verdict leads anywhere (approval or run). Throws a UserError
   * (E_NOT_FOUND, …) when the target does not exist: nothing is opened or run then.
   */
  resolve?(ctx: CommandContext, args: z.infer<S>): Promise<ResolvedTarget<T>>;
  /** `target` is what `resolve` found just now, with the identity the approval was granted for. */
  run(ctx: CommandContext, args: z.infer<S>, target?: ResolvedTarget<T>): Promise<Reply>;
}

/** What the registry exposes to commands such as `help`. */
export interface CommandLookup {
  all(): readonly CommandDefinition[];
  get(name: string): CommandDefinition | undefined;
}

/** The services a command may call. Wired explicitly in src/bot/wiring.ts. */
export interface CommandServices {
  commands: CommandLookup;
  rbac: Rbac;
  approvals: ApprovalStore;
  audit: AuditLog;
  jobs: JobQueue;
  /** Absent when no Proxmox is configured; Proxmox commands then answer with E_CONFIG. */
  proxmox?: Proxmox;
  /** The image catalog (`template distros`); always present in a wired bot. */
  imageCatalog?: ImageCatalog;
  /** Template builds and lifecycle; absent without Proxmox. */
  templates?: TemplateServices;
  /** VMs from templates (vm create, power, snapshots, delete); absent without Proxmox. */
  provision?: ProvisionServices;
  /** Guest updates; absent without Proxmox. */
  updates?: UpdateServices;
  version: string;
}

export interface CommandContext {
  actor: Actor;
  /** The actor's effective role, undefined when unbound. */
  role: Role | undefined;
  conversation: ConversationRef;
  requestId: string;
  clock: Clock;
  log: Log;
  services: CommandServices;
}

/** Keeps the schema's inferred type for `run` while storing definitions in one list. */
export function defineCommand<S extends z.ZodObject, T = unknown>(
  def: CommandDefinition<S, T>,
): CommandDefinition {
  return def as unknown as CommandDefinition;
}
