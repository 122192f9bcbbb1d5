/**
 * Escalation: a firing group nobody acknowledged is announced again after the route's `escalate.after`,
 * mentioning the route's on-call subjects, at most `escalate.times` times. Ack, silence or resolve stops
 * it: a timer that finds the group in any of those states does nothing.
 *
 * Timers are named by (group, firing episode, round), so every process may schedule the same timer and it
 * exists once while pending; the timer port (BullMQ delayed jobs) hands each to one process. A round already
 * counted in the store is not announced again, and the announcement is posted under a post key of its
 * own, so a timer run twice (a worker died after posting) neither counts nor posts twice.
 */
import type { Clock, Log, NotifierByPlatform } from "../ports.js";
import type { Platform } from "../vocabulary/identity.js";
import { type Mention, mention } from "../vocabulary/mention.js";
import type { Reply } from "../vocabulary/reply.js";
import { type AlertGroup, type AlertRoutePolicy, groupState } from "./model.js";
import type { AlertStore } from "./ports.js";
import { alertActionId, alertGroupName } from "./render.js";

/** One re-announcement: round `round` (1-based) of the firing episode that began at `episode`. */
export interface EscalationTimer {
  groupId: string;
  /** The group's `firstFiringAt` when scheduled: a group that resolved and fired again starts over. */
  episode: number;
  round: number;
  /** When it is due (ms since the epoch). */
  at: number;
}

/** Durable timers (BullMQ delayed jobs): scheduling the same (group, episode, round) again is a no-op. */
export interface EscalationTimers {
  schedule(timer: EscalationTimer): Promise<void>;
}

export interface EscalatorDeps {
  store: AlertStore;
  notifiers: NotifierByPlatform;
  policyFor(route: string): AlertRoutePolicy;
  timers: EscalationTimers;
  clock: Clock;
  log: Log;
}

export class Escalator {
  constructor(private readonly deps: EscalatorDeps) {}

  /**
   * After every render: schedules the group's next round when it still fires unacknowledged. The route that
   * escalates first sets the pace; every route with `escalate` is announced in each round up to its `times`.
   */
  async plan(group: AlertGroup): Promise<void> {
    if (groupState(group, this.deps.clock.now()) !== "firing") return;
    const pace = this.pace(group);
    if (!pace) return;
    const round = group.escalations + 1;
    if (round > pace.times) return;
    await this.deps.timers.schedule({
      groupId: group.id,
      episode: group.firstFiringAt,
      round,
      at: group.firstFiringAt + pace.afterMs * round,
    });
  }

  /** A timer came due (in exactly one process). */
  async fire(timer: EscalationTimer): Promise<"announced" | "stopped" | "done-before"> {
    const { store, clock, log } = this.deps;
    const group = await store.get(timer.groupId);
    if (!group || group.firstFiringAt !== timer.episode) return "stopped";
    if (groupState(group, clock.now()) !== "firing") return "stopped";
    if (group.escalations >= timer.round) return "done-before";
    // Posted under a key first, counted after: a timer run again after a crash in between posts nothing
    // new (the key) and still counts; a timer run after the count sees it and stops.
    for (const target of group.messages) {
      const policy = this.deps.policyFor(target.route);
      if (!policy.escalate || timer.round > policy.escalate.times) continue;
      const notifier = this.deps.notifiers[target.conversation.platform];
      if (!notifier) continue;
      const key = `alert-escalate:${group.id}:${timer.episode}:${timer.round}:${target.conversation.platform}:${target.conversation.channelId}`;
      try {
        await notifier.post(target.conversation, escalationReply(group, policy, timer.round), { key });
      } catch (err) {
        log.warn({ err, group: group.id, round: timer.round }, "escalation not delivered");
      }
    }
    const counted = (await store.recordEscalation(group.id, clock.now())) ?? group;
    log.info({ group: group.id, round: timer.round }, "alert group escalated");
    await this.plan(counted);
    return "announced";
  }

  private pace(group: AlertGroup): AlertRoutePolicy["escalate"] {
    let best: AlertRoutePolicy["escalate"];
    for (const route of new Set(group.messages.map((m) => m.route))) {
      const escalate = this.deps.policyFor(route).escalate;
      if (!escalate) continue;
      if (!best || escalate.afterMs < best.afterMs)
        best = { afterMs: escalate.afterMs, times: Math.max(escalate.times, best?.times ?? 0) };
      else best = { ...best, times: Math.max(best.times, escalate.times) };
    }
    return best;
  }
}

/** The re-announcement: who is on call, how long it has fired, and the Acknowledge button again. */
export function escalationReply(group: AlertGroup, policy: AlertRoutePolicy, round: number): Reply {
  const oncall = policy.oncall.map(oncallMention).filter((m): m is string => m !== undefined);
  const times = policy.escalate?.times ?? round;
  return {
    title: `Still firing, not acknowledged: ${alertGroupName(group)}`,
    tone: "danger",
    text: [
      oncall.join(" "),
      `Alert group ${group.id} is firing unacknowledged (reminder ${round} of ${times}).`,
    ]
      .filter(Boolean)
      .join("\n"),
    buttons: [{ id: alertActionId(group.id, { verb: "ack" }), label: "Acknowledge", style: "primary" }],
    visibility: "channel",
  };
}

const SUBJECT = /^(console|slack|discord):(user|group|role):(.+)$/;

/** `slack:group:S123` → a group mention token; anything else in the list is left out. */
export function oncallMention(subject: string): string | undefined {
  const m = SUBJECT.exec(subject);
  if (!m) return undefined;
  const kind: Mention["kind"] = m[2] === "user" ? "user" : "group";
  return mention({ platform: m[1] as Platform, id: m[3]!, name: m[3]! }, kind);
}
