/**
 * The chat part of the alert benchmark: the storm sent to a bot process (bench/alerts-bot.ts: webhook →
 * Redis alert store → living messages → durable outbox → Slack adapter) that posts to the fake Slack (one
 * chat.postMessage per second per channel, 429 beyond), its groups routed over CHANNELS channels.
 *
 * `steady`: one bot process takes the whole storm. `restarted`: the first bot process takes the first half
 * of the calls and is killed with SIGKILL KILL_AFTER_MS later, while its messages are still draining; a
 * new process on the same Redis takes the second half. Each run reports the webhook ingest rate, the
 * Slack calls per group (top-level posts, thread replies, edits), the seconds from the first call until
 * every group's message shows the stored group (title and firing/resolved counts, compared with what the
 * fake Slack holds), alerts lost (sent minus stored) and duplicate posts (a group's second top-level
 * message in a channel: what the outbox's at-least-once leaves when a process dies between Slack taking
 * a post and the outbox recording it).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { RedisAlertStore } from "../src/adapters/store/alert-store.js";
import { createRedis, deleteKeysWithPrefix, waitUntilReady } from "../src/adapters/store/redis.js";
import type { AlertGroup } from "../src/services/alerts/model.js";
import { silentLog } from "../src/services/log.js";
import { FakeSlack } from "../test/fakes/slack/index.js";
import { CHANNELS, SLACK_BOT_TOKEN } from "./alerts-bot.js";
import { type CallAnswer, type StormShape, sendAll, stormPlan } from "./alerts-storm.js";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const KILL_AFTER_MS = Number(process.env.KILL_AFTER_MS ?? 3000);
const TIMEOUT_MS = 900_000;
const BOT_SCRIPT = fileURLToPath(new URL("./alerts-bot.ts", import.meta.url));

interface Bot {
  child: ChildProcess;
  base: string;
}

async function startBot(prefix: string, slackApi: string): Promise<Bot> {
  const child = spawn(process.execPath, ["--import", "tsx", BOT_SCRIPT, "run"], {
    env: { ...process.env, BENCH_PREFIX: prefix, BENCH_SLACK_API: slackApi },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`bench bot exited with ${code} before listening`)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const m = /^listening (\d+)$/.exec(line);
      if (m) resolve(m[1]!);
    });
  });
  return { child, base: `http://127.0.0.1:${port}` };
}

async function stopBot(bot: Bot, signal: NodeJS.Signals): Promise<void> {
  if (bot.child.exitCode !== null) return;
  const exited = new Promise((r) => bot.child.once("exit", r));
  bot.child.kill(signal);
  await exited;
}

const counts = (g: AlertGroup) => {
  const all = Object.values(g.alerts);
  const firing = all.filter((a) => a.status === "firing").length;
  return `${firing} firing, ${all.length - firing} resolved`;
};

/**
 * What the fake Slack shows per group: its top-level messages (found by the `group <id>` its context
 * line shows) and whether each shows the stored group. Each message is serialized once per look.
 */
function compare(fake: FakeSlack, groups: AlertGroup[]) {
  const byGroup = new Map<string, string[]>();
  for (const m of fake.state.messages) {
    if (m.threadTs !== undefined) continue;
    const rendered = JSON.stringify(m.blocks);
    const id = /group ([0-9a-f]{8}) · /.exec(rendered)?.[1];
    if (id) byGroup.set(id, [...(byGroup.get(id) ?? []), rendered]);
  }
  let current = 0;
  let duplicates = 0;
  for (const group of groups) {
    const mine = byGroup.get(group.id) ?? [];
    duplicates += Math.max(0, mine.length - 1);
    const title = `${group.status === "firing" ? "Firing" : "Resolved"}: ${group.commonLabels.alertname}`;
    const shows = (rendered: string) => rendered.includes(title) && rendered.includes(counts(group));
    if (mine.length > 0 && mine.every(shows)) current++;
  }
  return { current, duplicates };
}

async function untilCurrent(fake: FakeSlack, store: RedisAlertStore, shape: StormShape) {
  const end = Date.now() + TIMEOUT_MS;
  for (;;) {
    const groups = await store.list({ limit: shape.groups * 2 }, Date.now());
    const seen = compare(fake, groups);
    if ((groups.length === shape.groups && seen.current === shape.groups) || Date.now() > end)
      return { groups, ...seen };
    await new Promise((r) => setTimeout(r, 500));
  }
}

function slackCalls(fake: FakeSlack, groups: number) {
  const calls = fake.calls();
  const ok = calls.filter((c) => c.status === 200 && !c.error);
  const posts = ok.filter((c) => c.method === "chat.postMessage");
  const top = posts.filter((c) => c.args.thread_ts === undefined).length;
  const thread = posts.length - top;
  const edits = ok.filter((c) => c.method === "chat.update").length;
  const per = (n: number) => Math.round((n / groups) * 100) / 100;
  return {
    postsPerGroup: per(top),
    threadRepliesPerGroup: per(thread),
    editsPerGroup: per(edits),
    callsPerGroup: per(top + thread + edits),
    total: { posts: top, threadReplies: thread, edits },
    http429: calls.filter((c) => c.status === 429).length,
  };
}

const seconds = (ms: number) => Math.round(ms) / 1000;
const okCalls = (answers: CallAnswer[]) => answers.filter((a) => a.status === 200).length;

/** One run: the storm against one bot, or against two with a SIGKILL between the halves. */
async function run(shape: StormShape, concurrency: number, kill: boolean) {
  const fake = await FakeSlack.start({ botToken: SLACK_BOT_TOKEN, postsPerSecondPerChannel: 1 });
  const prefix = `bench:alerts-chat:${randomUUID()}:`;
  const redis = createRedis(REDIS_URL, { log: silentLog, name: "bench-alerts-chat" });
  await waitUntilReady(redis, 3000);
  const store = new RedisAlertStore(redis, { prefix, retentionMs: 7 * 86_400_000 });
  const plan = stormPlan(shape);
  const half = kill ? plan.length / 2 : plan.length;
  let bot = await startBot(prefix, fake.apiUrl);
  try {
    const t0 = performance.now();
    const first = await sendAll(bot.base, plan.slice(0, half), concurrency);
    const firstDone = performance.now();
    let restart: Record<string, number> | undefined;
    let answers = first;
    if (kill) {
      await new Promise((r) => setTimeout(r, KILL_AFTER_MS));
      const atKill = compare(fake, await store.list({ limit: shape.groups * 2 }, Date.now()));
      const postsAtKill = slackCalls(fake, shape.groups).total.posts;
      await stopBot(bot, "SIGKILL");
      const killedAt = performance.now();
      bot = await startBot(prefix, fake.apiUrl);
      const backAt = performance.now();
      answers = [...first, ...(await sendAll(bot.base, plan.slice(half), concurrency))];
      restart = {
        killedAtSeconds: seconds(killedAt - t0),
        groupsPostedAtKill: postsAtKill,
        groupsCurrentAtKill: atKill.current,
        newProcessListeningAfterSeconds: seconds(backAt - killedAt),
      };
    }
    const sent = performance.now();
    const end = await untilCurrent(fake, store, shape);
    const done = performance.now();
    // Anything sent twice would show up by now.
    await new Promise((r) => setTimeout(r, 2000));
    const final = compare(fake, end.groups);
    const stored = end.groups.reduce((n, g) => n + Object.keys(g.alerts).length, 0);
    return {
      webhook: {
        ok: okCalls(answers),
        failed: answers.length - okCalls(answers),
        alertsPerSecond: kill ? undefined : Math.round(shape.alerts / ((firstDone - t0) / 1000)),
        lastCallAnsweredAtSeconds: seconds(sent - t0),
      },
      ...(restart ? { restart } : {}),
      slack: slackCalls(fake, shape.groups),
      secondsUntilEveryMessageCurrent: seconds(done - t0),
      groupsCurrent: final.current,
      groupsStored: end.groups.length,
      alertsLost: shape.alerts - stored,
      duplicatePosts: final.duplicates,
    };
  } finally {
    await stopBot(bot, "SIGTERM");
    await fake.close();
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  }
}

/** Both runs of the chat part, steady first. */
export async function chatPart(shape: StormShape, concurrency: number) {
  const steady = await run(shape, concurrency, false);
  const restarted = await run(shape, concurrency, true);
  return {
    channels: CHANNELS,
    fakeSlack: { postsPerSecondPerChannel: 1, http429Beyond: true },
    outbox: { leaseMs: 30_000, pollMs: 500, pacing: true },
    killAfterMs: KILL_AFTER_MS,
    steady,
    restarted,
  };
}
