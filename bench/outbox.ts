/**
 * A storm of posts and edits across many Slack channels through the durable Redis outbox, against the fake
 * Slack (one chat.postMessage per second per channel, 429 + Retry-After beyond that), with Slack's pacing
 * on (chat.update is tier 3: 50 a minute per workspace, which is what bounds the drain time). Each
 * message is posted, then edited EDITS times in one burst as soon as its post returns (an alert group
 * taking a batch of alerts).
 *
 * Run twice: once in one process (`steady`), and once with the process that queued the storm killed with
 * SIGKILL in the middle and a new one started on the same Redis (`restarted`). Prints one JSON object:
 * per run the Slack calls per message, edits coalesced, 429s seen, messages showing their final state,
 * lost and duplicated messages, and seconds until every message shows its final state.
 *
 * Usage: tsx bench/outbox.ts [channels=50] [messagesPerChannel=2] [editsPerMessage=10]. Needs Redis (REDIS_URL).
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { createSlackAdapter, type SlackAdapter } from "../src/adapters/slack/adapter.js";
import { slackConfigSchema } from "../src/adapters/slack/config.js";
import { redisDelivery } from "../src/adapters/store/outbox/redis-outbox.js";
import { deleteKeysWithPrefix } from "../src/adapters/store/redis.js";
import { systemClock } from "../src/services/clock.js";
import { silentLog } from "../src/services/log.js";
import { FakeSlack } from "../test/fakes/slack/index.js";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const BOT_TOKEN = "xoxb-bench-0000-token";
const LEASE_MS = 5000;
const arg = (i: number, fallback: number) => Number(process.argv[i] ?? fallback);
const CHANNELS = arg(2, 50);
const MESSAGES = arg(3, 2);
const EDITS = arg(4, 10);

function bot(redis: Redis, prefix: string, apiUrl: string): SlackAdapter {
  const config = slackConfigSchema.parse({
    mode: "http",
    botToken: BOT_TOKEN,
    signingSecret: "benchbenchbenchbenchbenchbench12",
    apiUrl,
  });
  return createSlackAdapter({
    config,
    log: silentLog,
    clock: systemClock,
    delivery: redisDelivery(redis, {
      prefix,
      log: silentLog,
      retry: { maxAttempts: 5, backoffMs: 500, maxRetryAfterMs: 120_000 },
      leaseMs: LEASE_MS,
      pollMs: 250,
    }),
  });
}

const label = (c: number, m: number) => `c${c}-m${m}`;
const finalText = (c: number, m: number) => `${label(c, m)} edit ${EDITS}`;
const channelId = (c: number) => `C${String(c).padStart(4, "0")}`;

/**
 * Posts every message, and edits each one EDITS times in a burst once its post returns. `queued` resolves
 * once every post has returned and its edits were handed to the outbox; `done` once all were delivered.
 */
function storm(adapter: SlackAdapter): { queued: Promise<unknown>; done: Promise<unknown> } {
  const posted: Promise<unknown>[] = [];
  const all: Promise<unknown>[] = [];
  for (let c = 0; c < CHANNELS; c++) {
    for (let m = 1; m <= MESSAGES; m++) {
      const where = { platform: "slack" as const, channelId: channelId(c) };
      const post = adapter.post(where, { text: label(c, m), visibility: "channel" });
      posted.push(post);
      all.push(
        post.then((ref) =>
          Promise.all(
            Array.from({ length: EDITS }, (_, k) =>
              adapter.update(ref, { text: `${label(c, m)} edit ${k + 1}` }),
            ),
          ),
        ),
      );
    }
  }
  return { queued: Promise.all(posted), done: Promise.all(all) };
}

function allFinal(fake: FakeSlack): boolean {
  const texts = new Set(fake.state.messages.map((m) => m.text));
  for (let c = 0; c < CHANNELS; c++)
    for (let m = 1; m <= MESSAGES; m++) if (!texts.has(finalText(c, m))) return false;
  return true;
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

function report(fake: FakeSlack, seconds: number) {
  const messages = CHANNELS * MESSAGES;
  const calls = fake.calls();
  const ok = (method: string) =>
    calls.filter((c) => c.method === method && c.status === 200 && !c.error).length;
  const posts = ok("chat.postMessage");
  const updates = ok("chat.update");
  const finals = new Set(fake.state.messages.map((m) => m.text));
  let showingFinal = 0;
  for (let c = 0; c < CHANNELS; c++)
    for (let m = 1; m <= MESSAGES; m++) if (finals.has(finalText(c, m))) showingFinal++;
  return {
    messages,
    editsRequested: messages * EDITS,
    slackCalls: {
      postMessage: posts,
      update: updates,
      http429: calls.filter((c) => c.status === 429).length,
    },
    callsPerMessage: Number(((posts + updates) / messages).toFixed(2)),
    editsCoalesced: messages * EDITS - updates,
    showingFinalState: showingFinal,
    lost: messages - showingFinal,
    duplicated: fake.state.messages.length - messages,
    secondsToDrain: Number(seconds.toFixed(2)),
  };
}

async function steady() {
  const fake = await FakeSlack.start({ botToken: BOT_TOKEN });
  const redis = new Redis(REDIS_URL);
  const prefix = `bench:outbox:${randomUUID()}:`;
  const adapter = bot(redis, prefix, fake.apiUrl);
  const t0 = performance.now();
  const { done } = storm(adapter);
  await until(() => allFinal(fake), 600_000);
  const seconds = (performance.now() - t0) / 1000;
  await done;
  const result = { ...report(fake, seconds), outbox: adapter.stats() };
  await adapter.stop();
  await fake.close();
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
  return result;
}

/**
 * The storm queued by a child process that is killed with SIGKILL `killAfterMs` after it queued everything
 * (mid-drain); a new process on the same Redis finishes once the dead one's leases run out.
 */
async function restarted(killAfterMs: number) {
  const fake = await FakeSlack.start({ botToken: BOT_TOKEN });
  const redis = new Redis(REDIS_URL);
  const prefix = `bench:outbox:${randomUUID()}:`;
  const t0 = performance.now();
  const script = fileURLToPath(import.meta.url);
  const sizes = [CHANNELS, MESSAGES, EDITS].map(String);
  const child = spawn(process.execPath, ["--import", "tsx", script, ...sizes, "child"], {
    env: { ...process.env, BENCH_PREFIX: prefix, BENCH_API_URL: fake.apiUrl },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve) =>
    createInterface({ input: child.stdout! }).on("line", (line) => line === "stormed" && resolve()),
  );
  const stormed = (performance.now() - t0) / 1000;
  await new Promise((r) => setTimeout(r, killAfterMs));
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGKILL");
  await exited;
  const killedAt = (performance.now() - t0) / 1000;
  const finalBeforeKill = report(fake, 0).showingFinalState;
  const adapter = bot(redis, prefix, fake.apiUrl);
  await until(() => allFinal(fake), 600_000);
  const seconds = (performance.now() - t0) / 1000;
  await new Promise((r) => setTimeout(r, 1000)); // anything sent twice would show up by now
  const result = {
    ...report(fake, seconds),
    stormQueuedAtSeconds: Number(stormed.toFixed(2)),
    killedAtSeconds: Number(killedAt.toFixed(2)),
    showingFinalStateAtKill: finalBeforeKill,
    leaseMs: LEASE_MS,
    newProcess: adapter.stats(),
  };
  await adapter.stop();
  await fake.close();
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
  return result;
}

if (process.argv[5] === "child") {
  // The process that gets killed: it queues the whole storm, says so, and keeps sending until killed.
  const redis = new Redis(REDIS_URL);
  const adapter = bot(redis, process.env.BENCH_PREFIX!, process.env.BENCH_API_URL!);
  await storm(adapter).queued;
  // The edits' enqueue calls are on the wire to Redis; a moment later they are all stored.
  await new Promise((r) => setTimeout(r, 500));
  console.log("stormed");
} else {
  const one = await steady();
  const two = await restarted(Number(process.env.BENCH_KILL_AFTER_MS ?? 8000));
  console.log(
    JSON.stringify({
      bench: "outbox-storm",
      node: process.version,
      channels: CHANNELS,
      messagesPerChannel: MESSAGES,
      editsPerMessage: EDITS,
      fakeSlack: { postsPerSecondPerChannel: 1 },
      pacing: { "chat.postMessage": "1/s per channel", "chat.update": "50/min (tier 3)" },
      steady: one,
      restarted: two,
      target: { lost: 0, duplicated: 0, http429: 0 },
    }),
  );
}
