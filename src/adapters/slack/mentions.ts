/**
 * Mention tokens (services/vocabulary/mention.ts) in Slack's own syntax: a Slack user as `<@U…>`, a user
 * group as `<!subteam^S…>`, so Slack shows the person's current name and notifies them. A mention of
 * someone from another platform, or with an id Slack would not accept, is their name in plain text.
 */
import { type Mention, renderMentions } from "../../services/vocabulary/mention.js";
import { escapeMrkdwn } from "./limits.js";

const USER_ID = /^[UW][A-Z0-9]{2,30}$/;
const GROUP_ID = /^S[A-Z0-9]{2,30}$/;

/** For mrkdwn text that is already escaped: tokens survive escaping, their names were escaped with it. */
export function slackMentions(escaped: string): string {
  return renderMentions(escaped, (m) => slackMention(m));
}

function slackMention(m: Mention): string {
  if (m.platform === "slack" && m.kind === "user" && USER_ID.test(m.id)) return `<@${m.id}>`;
  if (m.platform === "slack" && m.kind === "group" && GROUP_ID.test(m.id)) return `<!subteam^${m.id}>`;
  return `@${m.name || escapeMrkdwn(m.id)}`;
}

/** Escapes user text for mrkdwn and turns its mention tokens into Slack mentions. */
export function mrkdwnText(text: string): string {
  return slackMentions(escapeMrkdwn(text));
}
