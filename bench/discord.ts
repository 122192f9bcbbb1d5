/**
 * Interaction → initial response (the deferral) latency of the Discord adapter, next to a bare discord.js
 * client that only defers, in the same run: 2,000 `/pve help` interactions per side through the fake
 * gateway at 50 in flight, in alternating rounds so drift affects both alike. The bot side runs the whole
 * adapter: it defers, asks an Inbound that answers like the dispatcher, and fills the deferred response.
 * Discord's side (two fake Discords, one per client) runs in a child process so its work does not count
 * against the clients; latency is measured there, from the INTERACTION_CREATE dispatch to the arrival of
 * the callback. Then the built bot is started with Discord and Slack both enabled (fakes, the PVE simulator,
 * local Redis) and its RSS read once `/readyz` says ready, next to the same bot without chat platforms.
 * Prints one JSON object.
 *
 * Usage: npm run bench:discord   (builds first)   or   tsx bench/discord.ts [interactions per side] [in flight]
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Client, GatewayIntentBits, MessageFlags } from "discord.js";
import { Redis } from "ioredis";
import type { Inbound } from "../src/adapters/chat.js";
import { createDiscordAdapter } from "../src/adapters/discord/adapter.js";
import { discordConfigSchema } from "../src/adapters/discord/config.js";
import { deleteKeysWithPrefix } from "../src/adapters/store/redis.js";
import { ALL_COMMANDS } from "../src/commands/index.js";
import { systemClock } from "../src/services/clock.js";
import { silentLog } from "../src/services/log.js";
import { infoReply } from "../src/services/vocabulary/reply.js";
import { startPveSimulator } from "../src/sim/pve/index.js";
import { FakeDiscord, type FakeInteraction } from "../test/fakes/discord/index.js";
import { FakeSlack } from "../test/fakes/slack/index.js";
import { median, runBotUntilReady, simBotEnv } from "./spawn-bot.js";

const cli = parseArgs({
  args: process.argv.slice(2),
  options: { "discord-side": { type: "boolean", default: false } },
  allowPositionals: true,
});
const N = Number(cli.positionals[0] ?? 2000);
const IN_FLIGHT = Number(cli.positionals[1] ?? 50);
const ROUNDS = 10;
const WARMUP = 200;
const RSS_RUNS = 3;
const TOKEN = "MTIxMDAwMDAwMDAwMDAwMDAwMQ.GbEnCh.abcdefghijklmnopqrstuvwxyz012345";
const APP_ID = "1210000000000000001";
const GUILD_ID = "1000000000000000001";
const CHANNEL_ID = "1100000000000000001";

type Side = "bot" | "bare";
type ToDiscord = { type: "run"; side: Side; count: number } | { type: "close" };
type FromDiscord =
  | { type: "ready"; urls: Record<Side, string> }
  | { type: "done"; latencies: number[]; late: number };

/** The child: two fake Discords, and the load generator that measures their clients' deferrals. */
async function discordSide(): Promise<void> {
  const start = () =>
    FakeDiscord.start({ token: TOKEN, appId: APP_ID, guildId: GUILD_ID, validate: () => [] });
  const fakes: Record<Side, FakeDiscord> = { bot: await start(), bare: await start() };
  const send = (m: FromDiscord) => process.send!(m);
  send({ type: "ready", urls: { bot: fakes.bot.apiUrl, bare: fakes.bare.apiUrl } });
  process.on("message", async (m: ToDiscord) => {
    if (m.type === "close") {
      await Promise.all(Object.values(fakes).map((f) => f.close()));
      process.exit(0);
    }
    const fake = fakes[m.side];
    await fake.gateway.ready();
    send({ type: "done", ...(await load(fake, m.count)) });
  });
}

/** Keeps `IN_FLIGHT` interactions waiting for their deferral until `count` were answered. */
function load(fake: FakeDiscord, count: number): Promise<{ latencies: number[]; late: number }> {
  return new Promise((resolve) => {
    const latencies: number[] = [];
    let sent = 0;
    let inFlight = 0;
    const mine = new Set<string>();
    const next = () => {
      while (inFlight < IN_FLIGHT && sent < count) {
        const user = {
          id: String(1300000000000000000n + BigInt(sent % 97)),
          name: `user${sent % 97}`,
          roles: [],
        };
        const i = fake.slashCommand(user, ["pve", "help"], [], { channelId: CHANNEL_ID });
        mine.add(i.id);
        sent++;
        inFlight++;
      }
    };
    const onAnswered = (i: FakeInteraction) => {
      if (!mine.delete(i.id)) return;
      latencies.push(i.callback!.at - i.createdAt);
      inFlight--;
      if (latencies.length === count) {
        fake.events.off("answered", onAnswered);
        resolve({ latencies, late: latencies.filter((ms) => ms > 3000).length });
      } else next();
    };
    fake.events.on("answered", onAnswered);
    next();
  });
}

const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

async function latencySide(): Promise<Record<Side, { p50: number; p99: number; late: number }>> {
  const child = fork(fileURLToPath(import.meta.url), ["--discord-side", String(N), String(IN_FLIGHT)], {
    execArgv: ["--import", "tsx"],
  });
  let waiting: ((m: FromDiscord) => void) | undefined;
  const replies: FromDiscord[] = [];
  child.on("message", (m: FromDiscord) => {
    if (waiting) {
      const w = waiting;
      waiting = undefined;
      w(m);
    } else replies.push(m);
  });
  const reply = () =>
    replies.length > 0 ? Promise.resolve(replies.shift()!) : new Promise<FromDiscord>((r) => (waiting = r));
  const ready = (await reply()) as Extract<FromDiscord, { type: "ready" }>;

  const inbound: Inbound = {
    onCommand: async () => infoReply("Commands you may run: `help`, `whoami`, `vms`, `template list`."),
    onAction: async () => undefined,
  };
  const config = discordConfigSchema.parse({
    token: TOKEN,
    appId: APP_ID,
    guildIds: [GUILD_ID],
    apiUrl: ready.urls.bot,
  });
  const bot = createDiscordAdapter({ config, log: silentLog, clock: systemClock, commands: ALL_COMMANDS });
  await bot.start(inbound);
  const bare = new Client({
    intents: [GatewayIntentBits.Guilds],
    rest: { api: ready.urls.bare.replace(/\/v10$/, "") },
  });
  bare.on("interactionCreate", (i) => {
    if (i.isChatInputCommand()) i.deferReply({ flags: MessageFlags.Ephemeral }).catch(() => {});
  });
  await bare.login(TOKEN);

  const run = async (side: Side, count: number) => {
    child.send({ type: "run", side, count } satisfies ToDiscord);
    return (await reply()) as Extract<FromDiscord, { type: "done" }>;
  };
  await run("bot", WARMUP);
  await run("bare", WARMUP);
  const all: Record<Side, { latencies: number[]; late: number }> = {
    bot: { latencies: [], late: 0 },
    bare: { latencies: [], late: 0 },
  };
  for (let r = 0; r < ROUNDS; r++) {
    const order: Side[] = r % 2 === 0 ? ["bot", "bare"] : ["bare", "bot"];
    for (const side of order) {
      const done = await run(side, Math.ceil(N / ROUNDS));
      all[side].latencies.push(...done.latencies);
      all[side].late += done.late;
    }
  }
  await bot.settled();
  await bot.stop();
  await bare.destroy();
  child.send({ type: "close" } satisfies ToDiscord);
  const stats = (s: Side) => ({
    p50: percentile(all[s].latencies, 50),
    p99: percentile(all[s].latencies, 99),
    late: all[s].late,
  });
  return { bot: stats("bot"), bare: stats("bare") };
}

/** The built bot with Discord and Slack both configured, against fakes, the simulator and local Redis. */
async function rssWithBothPlatforms(): Promise<{ withBoth: number; withoutChat: number }> {
  const discord = await FakeDiscord.start({ token: TOKEN, appId: APP_ID, guildId: GUILD_ID });
  const slackToken = "xoxb-bench-0000-token";
  const slack = await FakeSlack.start({ botToken: slackToken });
  const sim = await startPveSimulator();
  const base = simBotEnv(sim);
  const both = {
    ...base,
    SLACK_BOT_TOKEN: slackToken,
    SLACK_SIGNING_SECRET: "benchbenchbenchbenchbenchbench12",
    SLACK_API_URL: slack.apiUrl,
    DISCORD_TOKEN: TOKEN,
    DISCORD_APP_ID: APP_ID,
    DISCORD_GUILD_IDS: GUILD_ID,
    DISCORD_API_URL: discord.apiUrl,
  };
  const withBoth: number[] = [];
  const withoutChat: number[] = [];
  for (let i = 0; i < RSS_RUNS; i++) {
    // A loaded machine may start the bot slowly; the figure is the RSS once ready, not the time to it.
    withBoth.push((await runBotUntilReady(both, 60_000)).rssMb);
    withoutChat.push((await runBotUntilReady(base, 60_000)).rssMb);
  }
  await sim.close();
  await slack.close();
  await discord.close();
  const redis = new Redis(base.REDIS_URL);
  await deleteKeysWithPrefix(redis, base.PVEBOT_REDIS_PREFIX);
  redis.disconnect();
  return { withBoth: median(withBoth), withoutChat: median(withoutChat) };
}

async function botSide(): Promise<void> {
  const latency = await latencySide();
  const rss = await rssWithBothPlatforms();
  console.log(
    JSON.stringify({
      benchmark: "discord",
      node: process.version,
      interactionsPerSide: N,
      inFlight: IN_FLIGHT,
      deferLatencyMs: latency,
      p99Ratio: Math.round((latency.bot.p99 / Math.max(1, latency.bare.p99)) * 100) / 100,
      target: { p99Ratio: 1.25 },
      rssMb: { discordAndSlack: rss.withBoth, noChatPlatform: rss.withoutChat, runs: RSS_RUNS },
    }),
  );
}

await (cli.values["discord-side"] ? discordSide() : botSide());
