/**
 * What a person can do to an alert group from chat, whether by button or by typed command: acknowledge,
 * unacknowledge, silence, unsilence. Each is authorized by the role of the route that brought the group
 * to the conversation (not by the command's own role alone: a route for the database team may require
 * approvers), decided atomically by the store (two acks at once: one wins, the other learns who), and
 * followed by one refresh of the group's messages. Audit is the pipeline's job; nothing here is audited twice.
 */
import type { ErrorCode } from "../errors.js";
import { formatDuration, formatUtc } from "../format.js";
import { personMention } from "../person-mention.js";
import type { Clock } from "../ports.js";
import { atLeast, roleRank } from "../rbac.js";
import type { Actor, ConversationRef, Role } from "../vocabulary/identity.js";
import type { AlertActor, AlertGroup, AlertRoutePolicy } from "./model.js";
import type { AlertStore, SilenceApi, SilenceInfo, SilenceMatcher } from "./ports.js";
import { alertGroupName } from "./render.js";

/** The longest silence chat may set; longer ones belong in Alertmanager's own config. */
export const MAX_SILENCE_MS = 30 * 86_400_000;

/** A source's silence API, or why it has none (shown on the Silence button's answer). */
export type SilenceSource = { api: SilenceApi } | { unavailable: string };

export interface AlertActionsDeps {
  store: AlertStore;
  policyFor(route: string): AlertRoutePolicy;
  /** By `alerts.sources.<name>`. */
  silenceSource(sourceName: string): SilenceSource;
  /** Every source name that has a silence API, for `silences` and silence-id lookups. */
  silenceSourceNames(): readonly string[];
  clock: Clock;
  /** The labels messages show (`alerts.labels`), for `alert <id>`. */
  labels: readonly string[];
  /** Brings the group's messages up to date and posts `note` in their threads. */
  changed(group: AlertGroup, note: string): Promise<void>;
}

/** The person acting, their effective role, and where they clicked or typed. */
export interface AlertCaller {
  actor: Actor;
  role: Role | undefined;
  conversation: ConversationRef;
}

export type AlertActionResult =
  | { kind: "done"; group: AlertGroup; text: string }
  /** Nothing to change (already acked by someone, not acked): not an error, but nothing happened. */
  | { kind: "unchanged"; text: string }
  | { kind: "refused"; code: ErrorCode; message: string };

export class AlertActions {
  constructor(private readonly deps: AlertActionsDeps) {}

  get store(): AlertStore {
    return this.deps.store;
  }

  get labels(): readonly string[] {
    return this.deps.labels;
  }

  async ack(id: string, caller: AlertCaller): Promise<AlertActionResult> {
    const group = await this.actionable(id, caller, "acknowledge");
    if ("kind" in group) return group;
    const result = await this.deps.store.ack(id, actorOf(caller.actor), this.deps.clock.now());
    if (!result.ok) {
      if (result.reason === "already-acked") {
        const { by, at } = result.ack;
        return {
          kind: "unchanged",
          text: `Already acknowledged by ${personMention(by)} at ${formatUtc(at)}.`,
        };
      }
      return notActionable(id, result.reason);
    }
    return this.done(result.group, `acknowledged by ${personMention(caller.actor)}`);
  }

  async unack(id: string, caller: AlertCaller): Promise<AlertActionResult> {
    const group = await this.actionable(id, caller, "unacknowledge");
    if ("kind" in group) return group;
    const result = await this.deps.store.unack(id, actorOf(caller.actor), this.deps.clock.now());
    if (!result.ok) {
      if (result.reason === "not-acked")
        return { kind: "unchanged", text: `Alert group ${id} is not acknowledged.` };
      return notActionable(id, result.reason === "already-acked" ? "not-acked" : result.reason);
    }
    return this.done(
      result.group,
      `acknowledgement withdrawn by ${personMention(caller.actor)}; escalation resumes`,
    );
  }

  /** Creates an Alertmanager silence matching the group's common labels, then shows it on the message. */
  async silence(
    id: string,
    caller: AlertCaller,
    durationMs: number,
    comment?: string,
  ): Promise<AlertActionResult> {
    if (!(durationMs > 0) || durationMs > MAX_SILENCE_MS) {
      return refused("E_ARGS", `a silence lasts more than 0 and at most ${formatDuration(MAX_SILENCE_MS)}`);
    }
    const group = await this.actionable(id, caller, "silence");
    if ("kind" in group) return group;
    const now = this.deps.clock.now();
    if (group.silence && group.silence.until > now) {
      return {
        kind: "unchanged",
        text: `Alert group ${id} is already silenced by ${personMention(group.silence.by)} until ${formatUtc(group.silence.until)}; unsilence it first to change that.`,
      };
    }
    const source = this.deps.silenceSource(group.sourceName);
    if ("unavailable" in source) {
      return refused(
        "E_UNAVAILABLE",
        `silencing is unavailable for ${group.sourceName}: ${source.unavailable}`,
      );
    }
    const matchers = silenceMatchers(group);
    if (matchers.length === 0) {
      return refused(
        "E_ARGS",
        `alert group ${id} has no labels common to all its alerts, so no silence can match it exactly`,
      );
    }
    const text =
      comment?.trim() || `Silenced from chat for ${formatDuration(durationMs)}: ${alertGroupName(group)}`;
    const until = now + durationMs;
    const { id: silenceId } = await source.api.create({
      matchers,
      startsAt: now,
      endsAt: until,
      createdBy: createdBy(caller.actor),
      comment: text,
    });
    const stored = await this.deps.store.setSilence(id, {
      id: silenceId,
      by: actorOf(caller.actor),
      at: now,
      until,
      comment: text,
    });
    if (!stored) {
      await source.api.expire(silenceId);
      return notActionable(id, "not-found");
    }
    return this.done(
      stored,
      `silenced by ${personMention(caller.actor)} until ${formatUtc(until)} (${text})`,
    );
  }

  /** By group id, or by the id of a silence (one this bot set on a group, or any in a configured source). */
  async unsilence(idOrSilence: string, caller: AlertCaller): Promise<AlertActionResult> {
    const now = this.deps.clock.now();
    const group = (await this.deps.store.get(idOrSilence)) ?? (await this.groupWithSilence(idOrSilence, now));
    if (!group) return this.unsilenceElsewhere(idOrSilence, caller);
    const allowed = this.authorize(group, caller, "unsilence");
    if (allowed) return allowed;
    if (!group.silence) return { kind: "unchanged", text: `Alert group ${group.id} is not silenced.` };
    const source = this.deps.silenceSource(group.sourceName);
    if ("unavailable" in source) {
      return refused(
        "E_UNAVAILABLE",
        `unsilencing is unavailable for ${group.sourceName}: ${source.unavailable}`,
      );
    }
    await source.api.expire(group.silence.id);
    const cleared = await this.deps.store.clearSilence(group.id, actorOf(caller.actor), now);
    if (!cleared) return notActionable(group.id, "not-found");
    return this.done(cleared, `silence removed by ${personMention(caller.actor)}`);
  }

  /** Active and pending silences of every configured source, soonest end first. */
  async silences(): Promise<{ source: string; silence: SilenceInfo }[]> {
    const out: { source: string; silence: SilenceInfo }[] = [];
    for (const name of this.deps.silenceSourceNames()) {
      const source = this.deps.silenceSource(name);
      if ("unavailable" in source) continue;
      for (const silence of await source.api.list()) {
        if (silence.state !== "expired") out.push({ source: name, silence });
      }
    }
    return out.sort((a, b) => a.silence.endsAt - b.silence.endsAt);
  }

  /** The group when it exists, is still firing and the caller may act on it; otherwise the refusal. */
  private async actionable(
    id: string,
    caller: AlertCaller,
    verb: string,
  ): Promise<AlertGroup | Extract<AlertActionResult, { kind: "refused" }>> {
    const group = await this.deps.store.get(id);
    if (!group) return notActionable(id, "not-found");
    const forbidden = this.authorize(group, caller, verb);
    if (forbidden) return forbidden;
    if (group.status === "resolved") return notActionable(id, "resolved");
    return group;
  }

  /**
   * The route of the caller's conversation decides; typed elsewhere (a DM, another channel), the strictest
   * of the group's routes does, so a command never grants more than the button would.
   */
  private authorize(
    group: AlertGroup,
    caller: AlertCaller,
    verb: string,
  ): Extract<AlertActionResult, { kind: "refused" }> | undefined {
    const here = group.messages.find(
      (m) =>
        m.conversation.platform === caller.conversation.platform &&
        m.conversation.channelId === caller.conversation.channelId,
    );
    const routes = here ? [here.route] : [...new Set(group.messages.map((m) => m.route))];
    const policies = (routes.length > 0 ? routes : ["default"]).map((r) => this.deps.policyFor(r));
    const strictest = policies.reduce((a, b) => (roleRank(b.role) > roleRank(a.role) ? b : a));
    if (atLeast(caller.role, strictest.role)) return undefined;
    return refused(
      "E_FORBIDDEN",
      `to ${verb} alert group ${group.id} you need the ${strictest.role} role (route ${strictest.name}); you have ${caller.role ?? "none"}`,
    );
  }

  private async groupWithSilence(silenceId: string, now: number): Promise<AlertGroup | undefined> {
    const silenced = await this.deps.store.list({ state: "silenced", limit: 500 }, now);
    return silenced.find((g) => g.silence?.id === silenceId);
  }

  /** A silence set outside the bot (Grafana UI, amtool): expiring it needs the strictest alert role. */
  private async unsilenceElsewhere(silenceId: string, caller: AlertCaller): Promise<AlertActionResult> {
    for (const name of this.deps.silenceSourceNames()) {
      const source = this.deps.silenceSource(name);
      if ("unavailable" in source) continue;
      const found = (await source.api.list()).find((s) => s.id === silenceId && s.state !== "expired");
      if (!found) continue;
      if (!atLeast(caller.role, "approver")) {
        return refused(
          "E_FORBIDDEN",
          `silence ${silenceId} was not set on an alert group here; expiring it needs the approver role`,
        );
      }
      await source.api.expire(silenceId);
      return {
        kind: "unchanged",
        text: `Silence ${silenceId} on ${name} expired by ${personMention(caller.actor)}.`,
      };
    }
    return refused(
      "E_NOT_FOUND",
      `no alert group or active silence ${silenceId}; \`alerts\` and \`silences\` list them`,
    );
  }

  private async done(group: AlertGroup, note: string): Promise<AlertActionResult> {
    await this.deps.changed(group, note);
    return { kind: "done", group, text: `Alert group ${group.id} (${alertGroupName(group)}) ${note}.` };
  }
}

/** Equality matchers for the labels every alert of the group shares: the silence covers exactly this group. */
export function silenceMatchers(group: AlertGroup): SilenceMatcher[] {
  return Object.entries(group.commonLabels)
    .filter(([, value]) => value !== "")
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => ({ name, value, isRegex: false, isEqual: true }));
}

/** `Ada Lovelace (slack:U123)`: the name for people reading Alertmanager, the id for audit. */
export function createdBy(actor: Actor): string {
  return `${actor.name} (${actor.platform}:${actor.id})`;
}

function actorOf(actor: Actor): AlertActor {
  return { platform: actor.platform, id: actor.id, name: actor.name };
}

function refused(code: ErrorCode, message: string): Extract<AlertActionResult, { kind: "refused" }> {
  return { kind: "refused", code, message };
}

function notActionable(
  id: string,
  reason: "not-found" | "resolved" | "not-acked",
): Extract<AlertActionResult, { kind: "refused" }> {
  if (reason === "not-found") return refused("E_NOT_FOUND", `no alert group ${id}; \`alerts\` lists them`);
  if (reason === "resolved")
    return refused("E_ARGS", `alert group ${id} has resolved; there is nothing left to act on`);
  return refused("E_ARGS", `alert group ${id} is not acknowledged`);
}
