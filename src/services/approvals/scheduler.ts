/**
 * The identity of work the bot starts on its own (the scheduled template refresh). Its id holds a colon,
 * which no Slack, Discord or console user id can, so nobody can pose as it.
 */
import type { Actor, Platform } from "../vocabulary/identity.js";

export const SCHEDULER_ID = "proxmox-chatops:scheduler";

export function schedulerActor(platform: Platform): Actor {
  return { platform, id: SCHEDULER_ID, name: "Scheduled refresh", groups: [] };
}

/** A request the scheduler made runs on the authority of the person who approves it. */
export function isSchedulerActor(actor: Pick<Actor, "id">): boolean {
  return actor.id === SCHEDULER_ID;
}
