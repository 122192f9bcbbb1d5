/**
 * Replays of signed Slack requests, through the real Bolt receiver and real Redis: the same signature is
 * processed once within the window, for commands and clicks, across bot instances; Slack's own retries
 * are acked quietly; when Redis cannot tell, nothing runs.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createSlackAdapter } from "../../src/adapters/slack/adapter.js";
import { slackConfigSchema } from "../../src/adapters/slack/config.js";
import {
  ALREADY_RECEIVED,
  CANNOT_CHECK,
  REPLAY_TTL_MS,
  replayKey,
} from "../../src/adapters/slack/replays.js";
import { RedisReplayGuard } from "../../src/adapters/store/replay-guard.js";
import {
  blockActionsPayload,
  buttonsOf,
  FORM,
  formPayload,
  sign,
  slashCommandBody,
} from "../fakes/slack/index.js";
import { closedPort } from "../store/helpers.js";
import {
  BOT_TOKEN,
  eventually,
  type HttpHarness,
  memoryLog,
  SIGNING_SECRET,
  startHttpHarness,
} from "./helpers.js";
import { dispatcherLikeInbound, type RecordingInbound } from "./inbound.js";

const harnesses: HttpHarness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

async function start(opts: Parameters<typeof startHttpHarness>[1] = {}) {
  let h: HttpHarness | undefined;
  const inbound = dispatcherLikeInbound(() => h!.adapter);
  h = await startHttpHarness(inbound, opts);
  harnesses.push(h);
  return { h, inbound };
}

interface Signed {
  body: string;
  timestamp: number;
  signature: string;
}

function signed(body: string, timestamp = Math.floor(Date.now() / 1000)): Signed {
  return { body, timestamp, signature: sign(SIGNING_SECRET, timestamp, body) };
}

async function send(h: HttpHarness, req: Signed, extra: Record<string, string> = {}) {
  const res = await fetch(h.eventsUrl, {
    method: "POST",
    headers: {
      "content-type": FORM,
      "x-slack-request-timestamp": String(req.timestamp),
      "x-slack-signature": req.signature,
      ...extra,
    },
    body: req.body,
  });
  return { status: res.status, text: await res.text() };
}

function slash(h: HttpHarness, text: string): Signed {
  return signed(slashCommandBody(h.fake, { text, userId: "U0ALICE", userName: "alice" }).body);
}

async function settle(h: HttpHarness, inbound: RecordingInbound, commands: number, actions = 0) {
  await h.adapter.settled();
  await eventually(() => inbound.commands.length >= commands && inbound.actions.length >= actions);
  await h.adapter.settled();
}

describe("a replayed Slack request", () => {
  it("a slash command sent twice with the same signature runs once; the repeat is told so", async () => {
    const { h, inbound } = await start();
    const req = slash(h, "help");
    const first = await send(h, req);
    expect(first).toEqual({ status: 200, text: "" });
    const again = await send(h, req);
    expect(again.status).toBe(200);
    expect(JSON.parse(again.text)).toEqual({ response_type: "ephemeral", text: ALREADY_RECEIVED });
    await settle(h, inbound, 1);
    expect(inbound.commands).toHaveLength(1);
    expect(h.log.lines.some((l) => l.level === "warn" && l.msg?.includes("replayed"))).toBe(true);
    expect(await h.redis.pttl(`${h.replayPrefix}${replayKey(req.signature)}`)).toBeGreaterThan(
      REPLAY_TTL_MS - 5000,
    );
  });

  it("the same command text signed at another time is a new request and runs again", async () => {
    const { h, inbound } = await start();
    const { body } = slashCommandBody(h.fake, { text: "help", userId: "U0ALICE" });
    const now = Math.floor(Date.now() / 1000);
    expect((await send(h, signed(body, now))).status).toBe(200);
    expect((await send(h, signed(body, now - 1))).status).toBe(200);
    await settle(h, inbound, 2);
    expect(inbound.commands).toHaveLength(2);
  });

  it("a click sent twice runs once; the repeat is acked with nothing run", async () => {
    const { h, inbound } = await start();
    await send(h, slash(h, "approve-me r1"));
    await h.fake.waitForCall("chat.postMessage");
    const card = h.fake.state.messages[0]!;
    const approve = buttonsOf(card.blocks)[0]!;
    const payload = blockActionsPayload(h.fake, {
      channelId: card.channel,
      messageTs: card.ts,
      actionId: approve.action_id,
      value: approve.value,
      userId: "U0BOB",
    });
    const req = signed(formPayload(payload));
    expect((await send(h, req)).status).toBe(200);
    expect(await send(h, req)).toEqual({ status: 200, text: "" });
    await settle(h, inbound, 1, 1);
    expect(inbound.actions).toHaveLength(1);
  });

  it("Slack's own retry of a request already received is acked quietly and not run again", async () => {
    const { h, inbound } = await start();
    const req = slash(h, "help");
    await send(h, req);
    const retry = await send(h, req, { "x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout" });
    expect(retry).toEqual({ status: 200, text: "" });
    await settle(h, inbound, 1);
    expect(inbound.commands).toHaveLength(1);
    expect(
      h.log.lines.some((l) => l.level === "info" && l.msg?.includes("retry of a request already received")),
    ).toBe(true);
  });

  it("a replay sent to another bot instance sharing the Redis is refused too", async () => {
    const a = await start();
    const b = await start({ replayPrefix: a.h.replayPrefix });
    const req = slash(a.h, "help");
    expect((await send(a.h, req)).text).toBe("");
    expect(JSON.parse((await send(b.h, req)).text).text).toBe(ALREADY_RECEIVED);
    await settle(a.h, a.inbound, 1);
    await b.h.adapter.settled();
    expect(a.inbound.commands).toHaveLength(1);
    expect(b.inbound.commands).toHaveLength(0);
  });

  it("a request that fails the signature check creates no claim", async () => {
    const { h } = await start();
    const req = { ...slash(h, "help"), signature: `v0=${"0".repeat(64)}` };
    expect((await send(h, req)).status).toBe(401);
    expect(await h.redis.exists(`${h.replayPrefix}${replayKey(req.signature)}`)).toBe(0);
  });
});

describe("when Redis cannot say whether a request is new", () => {
  it("runs nothing: a command gets 'temporarily unavailable', a click 503", async () => {
    const port = await closedPort();
    const replays = RedisReplayGuard.connect(`redis://127.0.0.1:${port}`, "test:none:", { log: memoryLog() });
    const { h, inbound } = await start({ replays });
    const cmd = await send(h, slash(h, "help"));
    expect(cmd.status).toBe(200);
    expect(JSON.parse(cmd.text)).toEqual({ response_type: "ephemeral", text: CANNOT_CHECK });
    const payload = blockActionsPayload(h.fake, {
      channelId: "C0GENERAL",
      messageTs: "1700000000.000100",
      actionId: "approval:x:approve",
      userId: "U0BOB",
    });
    expect((await send(h, signed(formPayload(payload)))).status).toBe(503);
    await h.adapter.settled();
    expect(inbound.commands).toHaveLength(0);
    expect(inbound.actions).toHaveLength(0);
  });

  it("an http-mode adapter without a replay guard refuses to start", async () => {
    const adapter = createSlackAdapter({
      config: slackConfigSchema.parse({ mode: "http", botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET }),
      log: memoryLog(),
      clock: { now: () => Date.now() },
    });
    await expect(adapter.start(dispatcherLikeInbound(() => adapter))).rejects.toThrow(/replay guard/);
    await adapter.stop();
  });
});
