/**
 * How a reply names whoever asked for something: a mention token for a person (Slack shows `<@U…>`, the
 * console the name), the plain name for the bot's own scheduler, which is nobody a platform could notify.
 */
import { isSchedulerActor } from "./approvals/scheduler.js";
import type { Platform } from "./vocabulary/identity.js";
import { mention } from "./vocabulary/mention.js";

export function personMention(who: { platform: Platform; id: string; name: string }): string {
  return isSchedulerActor(who) ? who.name : mention(who);
}
