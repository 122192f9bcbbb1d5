/**
 * The Slack adapter's readiness (what `/readyz` shows as `slack`): the bot token as Slack last judged it,
 * and in Socket Mode the WebSocket's state.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createSlackAdapter, type SlackAdapter } from "../../src/adapters/slack/adapter.js";
import { slackConfigSchema } from "../../src/adapters/slack/config.js";
import { FakeSlack } from "../fakes/slack/index.js";
import { APP_TOKEN, BOT_TOKEN, memoryLog, SIGNING_SECRET } from "./helpers.js";
import { dispatcherLikeInbound } from "./inbound.js";

let fake: FakeSlack | undefined;
let adapter: SlackAdapter | undefined;

afterEach(async () => {
  await adapter?.stop();
  await fake?.close();
  adapter = undefined;
  fake = undefined;
});

describe("Slack readiness", () => {
  it("asks auth.test for an adapter that only posts (never started), and reports a refused token", async () => {
    fake = await FakeSlack.start({ botToken: BOT_TOKEN });
    const make = (botToken: string) =>
      createSlackAdapter({
        config: slackConfigSchema.parse({ botToken, signingSecret: SIGNING_SECRET, apiUrl: fake!.apiUrl }),
        log: memoryLog(),
        clock: { now: () => Date.now() },
      });
    expect(await make(BOT_TOKEN).readiness()).toEqual({ ok: true, detail: "bot token accepted" });
    expect(await make("xoxb-not-ours").readiness()).toEqual({
      ok: false,
      detail: "Slack refused the bot token (auth.test: invalid_auth)",
    });
  });

  it("follows the Socket Mode connection: ready when connected, not once it drops, not after stop", async () => {
    fake = await FakeSlack.start({ botToken: BOT_TOKEN, appToken: APP_TOKEN });
    const config = slackConfigSchema.parse({
      mode: "socket",
      botToken: BOT_TOKEN,
      appToken: APP_TOKEN,
      apiUrl: fake.apiUrl,
    });
    const a = createSlackAdapter({ config, log: memoryLog(), clock: { now: () => Date.now() } });
    adapter = a;
    await a.start(dispatcherLikeInbound(() => a));
    await fake.socket.waitForConnection();
    expect(await a.readiness()).toEqual({ ok: true, detail: "bot token accepted" });
    // auth.test ran once, at start; readiness reuses its answer.
    expect(fake.calls("auth.test")).toHaveLength(1);

    fake.socket.close();
    let last = await a.readiness();
    // The client itself waits its 5 s ping timeout before reconnecting; readiness must not wait with it.
    for (const until = Date.now() + 2000; last.ok && Date.now() < until; ) {
      await new Promise((r) => setTimeout(r, 10));
      last = await a.readiness();
    }
    expect(last.ok).toBe(false);
    expect(last.detail).toMatch(
      /^Socket Mode connection (connecting|reconnecting|disconnected|disconnecting)$/,
    );

    adapter = undefined;
    await a.stop();
    expect(await a.readiness()).toEqual({ ok: false, detail: "slack adapter stopped" });
  });
});
