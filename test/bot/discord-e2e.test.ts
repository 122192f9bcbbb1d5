/**
 * The whole bot as `proxmox-chatops run` wires it with Discord: discord.js against the fake gateway and REST,
 * the dispatcher, Redis stores and the Proxmox client against the simulator. Roles come from the member's
 * Discord role ids; `/readyz` names the gateway.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { discordConfigSchema } from "../../src/adapters/discord/config.js";
import { proxmoxConfigSchema } from "../../src/adapters/proxmox/config.js";
import { deleteKeysWithPrefix } from "../../src/adapters/store/redis.js";
import { chatFrontEnds } from "../../src/bot/compose/chat.js";
import { configSchema } from "../../src/bot/config/schema.js";
import { type Bot, createBot } from "../../src/bot/wiring.js";
import { type PveSimulator, startPveSimulator } from "../../src/sim/pve/index.js";
import { APP_ID, CHANNEL_ID, GUILD_ID, TOKEN, visibleText } from "../discord/helpers.js";
import { type CommandOption, EPHEMERAL, FakeDiscord, type FakeUser } from "../fakes/discord/index.js";
import { REDIS_URL, silentLog } from "../helpers/dispatcher-harness.js";

const OPERATORS_ROLE = "1400000000000000050";
const ALICE: FakeUser = { id: "1300000000000000201", name: "alice", roles: [OPERATORS_ROLE] };
const STRANGER: FakeUser = { id: "1300000000000000299", name: "stranger", roles: [] };

let fake: FakeDiscord;
let sim: PveSimulator;
let bot: Bot;
const prefix = `test:${randomUUID()}:`;

beforeAll(async () => {
  fake = await FakeDiscord.start({ token: TOKEN, appId: APP_ID, guildId: GUILD_ID });
  sim = await startPveSimulator({ access: "read-only" });
  const config = configSchema.parse({
    redis: { url: REDIS_URL, prefix },
    http: { host: "127.0.0.1", port: 0 },
    rbac: { bindings: [{ role: "operator", subjects: [`discord:role:${OPERATORS_ROLE}`] }], channels: {} },
    jobs: { runWorker: false },
  });
  config.discord = discordConfigSchema.parse({
    token: TOKEN,
    appId: APP_ID,
    guildIds: [GUILD_ID],
    apiUrl: fake.apiUrl,
  });
  config.proxmox = proxmoxConfigSchema.parse({
    url: sim.url,
    tokenId: sim.tokenId,
    tokenSecret: sim.tokenSecret,
    tlsFingerprint: sim.fingerprint,
  });
  const { adapters, routes } = await chatFrontEnds(config, { log: silentLog });
  bot = await createBot({
    config,
    log: silentLog,
    clock: { now: () => Date.now() },
    version: "test",
    chat: adapters,
    routes,
  });
  await bot.start();
});

afterAll(async () => {
  await bot?.stop();
  await sim?.close();
  await fake?.close();
  const { Redis } = await import("ioredis");
  const redis = new Redis(REDIS_URL);
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

/** Runs `/pve <path>` and resolves with the deferred response once it has been filled. */
async function slash(user: FakeUser, path: string[], options: CommandOption[] = []) {
  const interaction = fake.slashCommand(user, ["pve", ...path], options, { channelId: CHANNEL_ID });
  await fake.answered(interaction);
  const deadline = Date.now() + 10_000;
  for (;;) {
    const shown = fake.state.visible(CHANNEL_ID).filter((m) => m.interactionId === interaction.id);
    if (shown.length > 0) return shown;
    if (Date.now() > deadline) throw new Error(`no answer to /pve ${path.join(" ")}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("the bot with Discord over the gateway", () => {
  it("answers /pve vms privately with the simulator's VMs, deferred within 3 s", async () => {
    const [answer] = await slash(ALICE, ["vms"], [{ name: "node", type: 3, value: "pve1" }]);
    expect(visibleText(answer!)).toMatch(/web01[\s\S]*db01/);
    expect(answer!.flags & EPHEMERAL).toBe(EPHEMERAL);
    const callbacks = [...fake.state.interactions.values()].map((i) => i.callback!.at - i.createdAt);
    expect(Math.max(...callbacks)).toBeLessThan(3000);
  });

  it("takes the role from the member's Discord role ids, and refuses who has none", async () => {
    const [mine] = await slash(ALICE, ["whoami"]);
    expect(visibleText(mine!)).toContain("operator");
    expect(visibleText(mine!)).toContain(OPERATORS_ROLE);
    const [refused] = await slash(STRANGER, ["job", "cancel"], [{ name: "id", type: 3, value: "j1" }]);
    expect(visibleText(refused!)).toMatch(/needs the operator role; you have no role/);
    expect(refused!.flags & EPHEMERAL).toBe(EPHEMERAL);
  });

  it("audits a forged button click and answers that it is no longer valid", async () => {
    const card = fake.state.addMessage({
      channelId: CHANNEL_ID,
      content: "",
      embeds: [{ title: "card" }],
      components: [],
      attachments: [],
      flags: 0,
      author: "bot",
    });
    const click = fake.click(
      ALICE,
      card,
      ".approval:abcdefabcdef:approve|v1.1700000000.forgedforgedforgedforged",
    );
    await fake.answered(click);
    const deadline = Date.now() + 10_000;
    while (!fake.state.message(click.originalId!)?.embeds.length) {
      if (Date.now() > deadline) throw new Error("no answer to the forged click");
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(visibleText(fake.state.message(click.originalId!)!)).toContain("this action is no longer valid");
    const records = await bot.services.audit.query({ limit: 20, user: ALICE.id });
    expect(records.find((r) => r.kind === "action" && r.outcome === "refused")).toMatchObject({
      actor: { platform: "discord", id: ALICE.id },
    });
  });

  it("reports the gateway in /readyz", async () => {
    const res = await fetch(`http://127.0.0.1:${bot.port}/readyz`);
    const report = JSON.stringify(await res.json());
    expect(res.status).toBe(200);
    expect(report).toContain("discord");
    expect(report).toContain("gateway connected");
  });

  it("made only REST calls the OpenAPI spec accepts", () => {
    expect(fake.problems).toEqual([]);
  });
});
