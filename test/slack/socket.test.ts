import { afterEach, describe, expect, it } from "vitest";
import { createSlackAdapter, type SlackAdapter } from "../../src/adapters/slack/adapter.js";
import { slackConfigSchema } from "../../src/adapters/slack/config.js";
import { blockActionsPayload, buttonsOf, FakeSlack } from "../fakes/slack/index.js";
import { APP_TOKEN, BOT_TOKEN, memoryLog, mount } from "./helpers.js";
import { dispatcherLikeInbound } from "./inbound.js";

let fake: FakeSlack | undefined;
let adapter: SlackAdapter | undefined;

afterEach(async () => {
  await adapter?.stop();
  await fake?.close();
  adapter = undefined;
  fake = undefined;
});

async function startSocket() {
  fake = await FakeSlack.start({ botToken: BOT_TOKEN, appToken: APP_TOKEN });
  const config = slackConfigSchema.parse({
    mode: "socket",
    botToken: BOT_TOKEN,
    appToken: APP_TOKEN,
    apiUrl: fake.apiUrl,
  });
  const log = memoryLog();
  adapter = createSlackAdapter({ config, log, clock: { now: () => Date.now() } });
  const inbound = dispatcherLikeInbound(() => adapter!);
  await adapter.start(inbound);
  await fake.socket.waitForConnection();
  return { fake, adapter, inbound, log };
}

describe("Slack adapter in Socket Mode (real Bolt, fake socket-mode server)", () => {
  it("connects with the app token, acks a slash command envelope and posts the reply", async () => {
    const { fake, inbound, log } = await startSocket();
    expect(fake.calls("apps.connections.open")).toHaveLength(1);
    expect(fake.calls("auth.test")).toHaveLength(1);
    const ack = await fake.socket.send("slash_commands", {
      command: "/pve",
      text: "vm list",
      user_id: "U0ALICE",
      user_name: "alice",
      channel_id: "C0GENERAL",
      team_id: fake.team,
      response_url: fake.newResponseUrl(),
      trigger_id: "1.2.3",
    });
    expect(ack.latencyMs).toBeLessThan(3000);
    const post = await fake.waitForCall("chat.postMessage");
    expect(post.args.channel).toBe("C0GENERAL");
    expect(String(post.args.blocks)).toContain("web-1");
    expect(inbound.commands[0]?.actor.id).toBe("U0ALICE");
    expect(log.dump()).not.toContain(APP_TOKEN);
  });

  it("acks an interactive envelope and turns the click into onAction and chat.update", async () => {
    const { fake, inbound } = await startSocket();
    await fake.socket.send("slash_commands", {
      command: "/pve",
      text: "approve-me s1",
      user_id: "U0ALICE",
      channel_id: "C0GENERAL",
      team_id: fake.team,
      response_url: fake.newResponseUrl(),
    });
    await fake.waitForCall("chat.postMessage");
    const card = fake.state.messages[0]!;
    const approve = buttonsOf(card.blocks)[0]!;
    const payload = blockActionsPayload(fake, {
      channelId: card.channel,
      messageTs: card.ts,
      actionId: approve.action_id,
      value: approve.value,
    });
    await fake.socket.send("interactive", payload);
    await fake.waitForCall("chat.update", (c) => c.args.ts === card.ts);
    expect(inbound.actions[0]?.actionId).toBe("approval:s1:approve");
  });

  it("answers 404 on the HTTP handler, since events arrive over the socket", async () => {
    const { adapter } = await startSocket();
    const server = await mount(adapter);
    const { port } = server.address() as { port: number };
    const res = await fetch(`http://127.0.0.1:${port}/slack/events`, { method: "POST", body: "x" });
    expect(res.status).toBe(404);
    server.close();
  });

  it("refuses to start with a token Slack rejects, naming the variable to fix", async () => {
    fake = await FakeSlack.start({ botToken: BOT_TOKEN, appToken: APP_TOKEN });
    const config = slackConfigSchema.parse({
      mode: "socket",
      botToken: "xoxb-wrong-token",
      appToken: APP_TOKEN,
      apiUrl: fake.apiUrl,
    });
    const a = createSlackAdapter({ config, log: memoryLog(), clock: { now: () => Date.now() } });
    await expect(a.start(dispatcherLikeInbound(() => a))).rejects.toThrow(/invalid_auth.*SLACK_BOT_TOKEN/);
  });
});
