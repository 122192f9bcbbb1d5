import { webApi } from "@slack/bolt";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FakeSlack } from "../fakes/slack/index.js";
import { BOT_TOKEN } from "./helpers.js";

let fake: FakeSlack;
let client: webApi.WebClient;

beforeEach(async () => {
  fake = await FakeSlack.start({ botToken: BOT_TOKEN, postsPerSecondPerChannel: 0 });
  client = new webApi.WebClient(BOT_TOKEN, {
    slackApiUrl: fake.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
});
afterEach(async () => {
  await fake.close();
});

const section = (text: string) => ({ type: "section", text: { type: "mrkdwn", text } });
const button = (over: Record<string, unknown> = {}) => ({
  type: "button",
  text: { type: "plain_text", text: "Go" },
  action_id: "go",
  value: "v",
  ...over,
});

async function errorOf(blocks: unknown[]): Promise<{ error?: string; messages?: string[] }> {
  try {
    await client.chat.postMessage({ channel: "C0GENERAL", text: "t", blocks: blocks as never });
    return {};
  } catch (e) {
    const data = (e as { data: { error: string; response_metadata?: { messages?: string[] } } }).data;
    return { error: data.error, messages: data.response_metadata?.messages ?? [] };
  }
}

describe("fake Slack enforces Slack's message limits with Slack's error codes", () => {
  it("rejects more than 50 blocks", async () => {
    const r = await errorOf(Array.from({ length: 51 }, () => section("x")));
    expect(r.error).toBe("invalid_blocks");
    expect(r.messages).toContain("[ERROR] no more than 50 items allowed [json-pointer:/blocks]");
    expect(await errorOf(Array.from({ length: 50 }, () => section("x")))).toEqual({});
  });

  it("rejects section text over 3000, more than 10 fields, and a header over 150", async () => {
    expect((await errorOf([section("x".repeat(3001))])).messages?.[0]).toMatch(/less than 3001 characters/);
    const fields = Array.from({ length: 11 }, () => ({ type: "mrkdwn", text: "f" }));
    expect((await errorOf([{ type: "section", fields }])).messages?.[0]).toMatch(/no more than 10 items/);
    expect(
      (await errorOf([{ type: "header", text: { type: "plain_text", text: "h".repeat(151) } }])).error,
    ).toBe("invalid_blocks");
  });

  it("rejects button text over 75, value over 2000, action_id over 255 and duplicate action ids", async () => {
    const actions = (elements: unknown[]) => [{ type: "actions", elements }];
    expect(
      (await errorOf(actions([button({ text: { type: "plain_text", text: "b".repeat(76) } })]))).error,
    ).toBe("invalid_blocks");
    expect((await errorOf(actions([button({ value: "v".repeat(2001) })]))).error).toBe("invalid_blocks");
    expect((await errorOf(actions([button({ action_id: "a".repeat(256) })]))).error).toBe("invalid_blocks");
    expect((await errorOf(actions([button(), button()]))).messages?.[0]).toMatch(/duplicate action_id/);
    expect(await errorOf(actions([button({ action_id: "a".repeat(255), value: "v".repeat(2000) })]))).toEqual(
      {},
    );
  });

  it("rejects a message without text, text over 40000 chars, and unknown tokens", async () => {
    await expect(client.chat.postMessage({ channel: "C0GENERAL", text: "" })).rejects.toMatchObject({
      data: { error: "no_text" },
    });
    await expect(
      client.chat.postMessage({ channel: "C0GENERAL", text: "x".repeat(40_001) }),
    ).rejects.toMatchObject({
      data: { error: "msg_too_long" },
    });
    const stranger = new webApi.WebClient("xoxb-not-the-token", {
      slackApiUrl: fake.apiUrl,
      retryConfig: { retries: 0 },
    });
    await expect(stranger.chat.postMessage({ channel: "C0GENERAL", text: "x" })).rejects.toMatchObject({
      data: { error: "invalid_auth" },
    });
  });

  it("answers a second post per second per channel with 429 and Retry-After", async () => {
    const limited = await FakeSlack.start({ botToken: BOT_TOKEN });
    try {
      const c = new webApi.WebClient(BOT_TOKEN, {
        slackApiUrl: limited.apiUrl,
        retryConfig: { retries: 0 },
        rejectRateLimitedCalls: true,
      });
      await c.chat.postMessage({ channel: "C0ONE", text: "1" });
      await c.chat.postMessage({ channel: "C0TWO", text: "other channel is fine" });
      await expect(c.chat.postMessage({ channel: "C0ONE", text: "2" })).rejects.toMatchObject({
        code: "slack_webapi_rate_limited_error",
        retryAfter: 1,
      });
    } finally {
      await limited.close();
    }
  });

  it("lets a response_url be used five times", async () => {
    const url = fake.newResponseUrl();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text: `n${i}` }),
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 404]);
    expect(fake.state.responsePosts.at(-1)?.error).toBe("used_url");
  });

  it("implements the external file upload flow used by filesUploadV2", async () => {
    const res = await client.filesUploadV2({
      channel_id: "C0GENERAL",
      filename: "a.txt",
      title: "A",
      content: "hello\nworld\n",
    });
    expect(res.ok).toBe(true);
    const file = [...fake.state.files.values()][0]!;
    expect(file).toMatchObject({ filename: "a.txt", title: "A", channel: "C0GENERAL", completed: true });
    expect(file.content?.toString()).toBe("hello\nworld\n");
  });
});
