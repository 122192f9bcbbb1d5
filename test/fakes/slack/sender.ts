/**
 * Slack's side of a conversation with the bot: slash commands and button clicks, signed the way Slack
 * signs them (v0 HMAC over the raw body, current time) and sent with exactly Slack's content type.
 */
import { createHmac } from "node:crypto";
import type { FakeSlack } from "./server.js";

export const FORM = "application/x-www-form-urlencoded";

export interface SignOptions {
  /** Unix seconds; Slack always uses the current time. */
  timestamp?: number;
  /** Overrides the computed signature, for refusal tests. */
  signature?: string;
}

export function sign(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

export async function postSigned(
  url: string,
  secret: string,
  body: string,
  contentType = FORM,
  opts: SignOptions = {},
): Promise<Response> {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  return fetch(url, {
    method: "POST",
    headers: {
      "content-type": contentType,
      "x-slack-request-timestamp": String(timestamp),
      "x-slack-signature": opts.signature ?? sign(secret, timestamp, body),
    },
    body,
  });
}

export interface SlashCommandInput {
  text: string;
  userId?: string;
  userName?: string;
  channelId?: string;
  command?: string;
  responseUrl?: string;
}

export function slashCommandBody(
  fake: FakeSlack,
  input: SlashCommandInput,
): { body: string; responseUrl: string } {
  const responseUrl = input.responseUrl ?? fake.newResponseUrl();
  const fields: Record<string, string> = {
    token: "fake-verification-token",
    team_id: fake.team,
    team_domain: "fake",
    channel_id: input.channelId ?? "C0GENERAL",
    channel_name: "general",
    user_id: input.userId ?? "U0ALICE",
    user_name: input.userName ?? "alice",
    command: input.command ?? "/pve",
    text: input.text,
    api_app_id: "A0FAKEAPP",
    is_enterprise_install: "false",
    response_url: responseUrl,
    trigger_id: "1.2.fake",
  };
  return { body: new URLSearchParams(fields).toString(), responseUrl };
}

export interface ClickInput {
  channelId: string;
  messageTs: string;
  actionId: string;
  value?: string;
  userId?: string;
  userName?: string;
  isEphemeral?: boolean;
  responseUrl?: string;
}

export function blockActionsPayload(fake: FakeSlack, input: ClickInput): Record<string, unknown> {
  const responseUrl = input.responseUrl ?? fake.newResponseUrl();
  return {
    type: "block_actions",
    user: {
      id: input.userId ?? "U0BOB",
      username: input.userName ?? "bob",
      name: input.userName ?? "bob",
      team_id: fake.team,
    },
    api_app_id: "A0FAKEAPP",
    token: "fake-verification-token",
    container: {
      type: "message",
      message_ts: input.messageTs,
      channel_id: input.channelId,
      is_ephemeral: input.isEphemeral ?? false,
    },
    trigger_id: fake.newTrigger(),
    team: { id: fake.team, domain: "fake" },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: input.channelId, name: "general" },
    message: { type: "message", ts: input.messageTs, text: "", user: "U0FAKEBOT" },
    response_url: responseUrl,
    actions: [
      {
        type: "button",
        action_id: input.actionId,
        block_id: "b1",
        text: { type: "plain_text", text: "button", emoji: true },
        ...(input.value !== undefined ? { value: input.value } : {}),
        action_ts: String(Date.now() / 1000),
      },
    ],
  };
}

export function formPayload(payload: unknown): string {
  return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

/** The buttons of a stored message, as Slack would show them. */
export function buttonsOf(
  blocks: unknown[] | undefined,
): { action_id: string; value?: string; url?: string; text: string }[] {
  const out: { action_id: string; value?: string; url?: string; text: string }[] = [];
  for (const b of blocks ?? []) {
    const block = b as {
      type?: string;
      elements?: { type?: string; action_id: string; value?: string; url?: string; text: { text: string } }[];
    };
    if (block.type !== "actions") continue;
    for (const e of block.elements ?? []) {
      if (e.type === "button")
        out.push({
          action_id: e.action_id,
          ...(e.value !== undefined ? { value: e.value } : {}),
          ...(e.url !== undefined ? { url: e.url } : {}),
          text: e.text.text,
        });
    }
  }
  return out;
}

/** Submitting a modal the bot opened: the answers by input block id, as Slack sends them. */
export function viewSubmissionPayload(
  fake: FakeSlack,
  opened: { id: string; view: Record<string, unknown> },
  answers: Record<string, string>,
  user: { id: string; name: string } = { id: "U0BOB", name: "bob" },
): Record<string, unknown> {
  const values: Record<string, Record<string, { type: string; value: string | null }>> = {};
  for (const block of (opened.view.blocks ?? []) as { block_id: string; element: { action_id: string } }[]) {
    values[block.block_id] = {
      [block.element.action_id]: { type: "plain_text_input", value: answers[block.block_id] ?? null },
    };
  }
  return {
    type: "view_submission",
    team: { id: fake.team, domain: "fake" },
    user: { id: user.id, username: user.name, name: user.name, team_id: fake.team },
    api_app_id: "A0FAKEAPP",
    token: "fake-verification-token",
    trigger_id: fake.newTrigger(),
    view: { ...opened.view, id: opened.id, state: { values } },
    response_urls: [],
  };
}
