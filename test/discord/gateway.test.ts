/**
 * The gateway side against the fake: real discord.js identifies with the Guilds intent only, heartbeats are
 * ACKed, a dropped socket is resumed (not re-identified) and what was dispatched meanwhile still arrives, a
 * refused token stops the start with a clear message, and DISCORD_GATEWAY_URL replaces the gateway URL.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createDiscordAdapter } from "../../src/adapters/discord/adapter.js";
import { discordConfigSchema } from "../../src/adapters/discord/config.js";
import { RecordingInbound } from "../contract/chat-adapter.contract.js";
import { FakeDiscord } from "../fakes/discord/index.js";
import { memoryLog } from "../slack/helpers.js";
import {
  ALICE,
  APP_ID,
  CHANNEL_ID,
  type DiscordHarness,
  eventually,
  GUILD_ID,
  startDiscordHarness,
  TEST_COMMANDS,
  TOKEN,
} from "./helpers.js";

let h: DiscordHarness | undefined;
const extra: { close(): Promise<void> }[] = [];

afterEach(async () => {
  await h?.close();
  h = undefined;
  for (const c of extra.splice(0)) await c.close();
});

describe("discord gateway", () => {
  it("identifies with the Guilds intent only and is ready", async () => {
    h = await startDiscordHarness(new RecordingInbound());
    expect(h.fake.gateway.lastIntents).toBe(1);
    expect(h.fake.gateway.stats.identifies).toBe(1);
    expect(await h.adapter.readiness()).toMatchObject({ ok: true });
    expect(h.fake.problems).toEqual([]);
  });

  it("heartbeats at the interval HELLO gave, and each is ACKed", async () => {
    h = await startDiscordHarness(new RecordingInbound(), { fake: { heartbeatIntervalMs: 100 } });
    await eventually(() => h!.fake.gateway.stats.heartbeats >= 4, 5000, "four heartbeats");
    expect(h.fake.gateway.stats.connections).toBe(1);
    expect(await h.adapter.readiness()).toMatchObject({ ok: true });
  });

  it("resumes after a dropped socket and receives what was dispatched meanwhile", {
    timeout: 30_000,
  }, async () => {
    const inbound = new RecordingInbound();
    // discord.js takes a few seconds to notice the drop and resume; the replayed interaction is answered
    // then, so this test gives it longer than Discord's 3 s (the deadline has its own test).
    h = await startDiscordHarness(inbound, { fake: { deadlineMs: 20_000 } });
    h.fake.gateway.dropSocket();
    const interaction = h.fake.slashCommand(ALICE, ["pve", "whoami"], [], { channelId: CHANNEL_ID });
    await eventually(() => h!.fake.gateway.stats.resumes === 1, 20_000, "a RESUME");
    await h.fake.answered(interaction, 20_000);
    await eventually(() => inbound.invocations.length === 1, 5000, "the command");
    expect(h.fake.gateway.stats.identifies).toBe(1);
    expect(inbound.invocations[0]!.text).toBe("whoami");
  });

  it("a refused token stops the start with a message naming DISCORD_TOKEN", async () => {
    const fake = await FakeDiscord.start({ token: TOKEN, appId: APP_ID, guildId: GUILD_ID });
    extra.push(fake);
    const config = discordConfigSchema.parse({
      token: "MTIxMDAwMDAwMDAwMDAwMDAwMQ.GwRoNg.zyxwvutsrqponmlkjihgfedcba987654",
      appId: APP_ID,
      guildIds: [GUILD_ID],
      apiUrl: fake.apiUrl,
    });
    const adapter = createDiscordAdapter({
      config,
      log: memoryLog(),
      clock: { now: () => Date.now() },
      commands: TEST_COMMANDS,
    });
    await expect(adapter.start(new RecordingInbound())).rejects.toThrow(
      /rejected the bot token.*DISCORD_TOKEN/,
    );
    expect(await adapter.readiness()).toMatchObject({ ok: false, detail: expect.stringContaining("401") });
    await adapter.stop();
    expect(fake.gateway.stats.connections).toBe(0);
  });

  it("DISCORD_GATEWAY_URL takes precedence over the URL GET /gateway/bot names", async () => {
    const other = await FakeDiscord.start({ token: TOKEN, appId: APP_ID, guildId: GUILD_ID });
    extra.push(other);
    h = await startDiscordHarness(new RecordingInbound(), { config: { gatewayUrl: other.gatewayUrl } });
    expect(other.gateway.stats.identifies).toBe(1);
    expect(h.fake.gateway.stats.connections).toBe(0);
  });
});
