/**
 * Ack latency of the Slack adapter in HTTP mode under load, next to a bare Bolt app that only acks the same
 * signed requests, in the same run. Two request kinds: `/pve help` (answered ephemerally via response_url)
 * and `/pve job 3` (posts a job card, edits it three times, answers ephemerally), handled by an Inbound that
 * answers the way the dispatcher does. Both sides get the same requests at the same concurrency, in
 * alternating rounds so drift affects both alike. Prints one JSON object.
 *
 * The measured process runs only the two bots. Slack's side (the fake Web API that receives the replies,
 * and the load generator that signs and sends the commands) runs in a child process, so its work does not
 * count against the bots. Latency is measured by the load generator: request start to end of the ack.
 *
 * When more acked requests wait than `slack.handlers.maxQueued`, the adapter answers "busy" in the ack
 * and runs nothing; such answers are counted as `busy`, since they are cheaper than real work.
 *
 * Usage: tsx bench/slack.ts [requests per kind and side] [concurrency] [handlers.maxQueued] [handlers.concurrency]
 *        (defaults: 2000, 50, and the adapter's defaults)
 */

import { fork } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { App, HTTPReceiver, LogLevel } from "@slack/bolt";
import type { Inbound } from "../src/adapters/chat.js";
import { createSlackAdapter, type SlackAdapter } from "../src/adapters/slack/adapter.js";
import { slackConfigSchema } from "../src/adapters/slack/config.js";
import { RedisReplayGuard } from "../src/adapters/store/replay-guard.js";
import { readBody } from "../src/bot/http/body.js";
import { systemClock } from "../src/services/clock.js";
import { silentLog } from "../src/services/log.js";
import { infoReply } from "../src/services/vocabulary/reply.js";
import { FakeSlack, postSigned, slashCommandBody } from "../test/fakes/slack/index.js";

const cli = parseArgs({
  args: process.argv.slice(2),
  options: { "slack-side": { type: "boolean", default: false } },
  allowPositionals: true,
});
const args = cli.positionals;
const N = Number(args[0] ?? 2000);
const CONCURRENCY = Number(args[1] ?? 50);
/** Adapter settings under test; defaults are the adapter's own defaults. */
const MAX_QUEUED = args[2] ? Number(args[2]) : undefined;
const HANDLER_CONCURRENCY = args[3] ? Number(args[3]) : undefined;
const ROUNDS = 20;
const CHANNELS = 50;
const WARMUP = 200;
const BOT_TOKEN = "xoxb-bench-0000-token";
const SECRET = "benchbenchbenchbenchbenchbench12";
const quietBolt = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  setLevel() {},
  getLevel: () => LogLevel.ERROR,
  setName() {},
};

type LoadRequest = { type: "load"; url: string; text: string; count: number; channelBase: number };
type ChildMessage =
  | { type: "ready"; apiUrl: string }
  | { type: "samples"; samples: number[]; busy: number }
  | { type: "counts"; postMessage: number; update: number; responseUrlPosts: number };

// ---------------------------------------------------------------------------------------------------------
// Slack's side (child process)

async function slackSide(): Promise<void> {
  const fake = await FakeSlack.start({ botToken: BOT_TOKEN, postsPerSecondPerChannel: 0 });
  const send = (m: ChildMessage) => process.send!(m);
  process.on("message", async (m: LoadRequest | { type: "counts" } | { type: "close" }) => {
    if (m.type === "load") send({ type: "samples", ...(await load(fake, m)) });
    else if (m.type === "counts") {
      send({
        type: "counts",
        postMessage: fake.calls("chat.postMessage").length,
        update: fake.calls("chat.update").length,
        responseUrlPosts: fake.state.responsePosts.length,
      });
    } else {
      await fake.close();
      process.exit(0);
    }
  });
  send({ type: "ready", apiUrl: fake.apiUrl });
}

async function load(fake: FakeSlack, req: LoadRequest): Promise<{ samples: number[]; busy: number }> {
  const samples: number[] = [];
  let busy = 0;
  let next = 0;
  const worker = async () => {
    while (next < req.count) {
      const i = next++;
      const channelId = `C0BENCH${(req.channelBase + i) % CHANNELS}`;
      const { body } = slashCommandBody(fake, { text: req.text, channelId, userId: `U0USER${i % 20}` });
      const t0 = performance.now();
      const res = await postSigned(req.url, SECRET, body);
      const ackBody = await res.text();
      samples.push(performance.now() - t0);
      if (res.status !== 200) throw new Error(`ack was ${res.status}`);
      if (ackBody !== "") busy++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { samples, busy };
}

// ---------------------------------------------------------------------------------------------------------
// The bots (measured process)

/** Answers like the dispatcher: help is ephemeral; a job posts its card and edits it as steps finish. */
function benchInbound(adapter: () => SlackAdapter): Inbound {
  return {
    async onCommand(inv) {
      if (inv.text === "help") return infoReply("Commands you may run: help, whoami, job", { title: "Help" });
      const card = await adapter().post(inv.conversation, {
        title: "Building template",
        progress: { fraction: 0, step: "queued" },
        visibility: "channel",
      });
      for (let i = 1; i <= 3; i++) {
        void adapter().update(card, {
          title: "Building template",
          progress: { fraction: i / 3, step: `step ${i}/3` },
          visibility: "channel",
        });
      }
      return infoReply("Started job", { jobId: card.messageId });
    },
    async onAction() {
      return undefined;
    },
  };
}

async function listen(handler: RequestListener): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events` };
}

function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return {
    requests: samples.length,
    p50Ms: Number(at(0.5).toFixed(3)),
    p99Ms: Number(at(0.99).toFixed(3)),
    maxMs: Number(at(1).toFixed(3)),
  };
}

async function botSide(): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), ["--slack-side", String(N), String(CONCURRENCY)], {
    execArgv: ["--import", "tsx"],
  });
  const inbox: ChildMessage[] = [];
  const waiters: ((m: ChildMessage) => void)[] = [];
  child.on("message", (m: ChildMessage) => {
    const w = waiters.shift();
    if (w) w(m);
    else inbox.push(m);
  });
  const nextMessage = () =>
    new Promise<ChildMessage>((resolve) => {
      const m = inbox.shift();
      if (m) resolve(m);
      else waiters.push(resolve);
    });
  const ready = await nextMessage();
  if (ready.type !== "ready") throw new Error("slack side did not start");
  const runLoad = async (url: string, text: string, count: number, channelBase: number) => {
    child.send({ type: "load", url, text, count, channelBase } satisfies LoadRequest);
    const m = await nextMessage();
    if (m.type !== "samples") throw new Error("unexpected message from the slack side");
    return m;
  };

  const config = slackConfigSchema.parse({
    mode: "http",
    botToken: BOT_TOKEN,
    signingSecret: SECRET,
    apiUrl: ready.apiUrl,
    // This bench measures the ack path against a fake Slack without rate limits; pacing at Slack's rates
    // would only stretch the run (bench/slack-pacing.ts measures pacing).
    outbox: { pacing: false },
    handlers: {
      ...(MAX_QUEUED ? { maxQueued: MAX_QUEUED } : {}),
      ...(HANDLER_CONCURRENCY ? { concurrency: HANDLER_CONCURRENCY } : {}),
    },
  });
  // The replay guard claims every signature in Redis, as in production, so its cost is part of the figure.
  const replays = RedisReplayGuard.connect(
    process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    `bench:${randomUUID()}:`,
    { log: silentLog },
  );
  const adapter = createSlackAdapter({ config, log: silentLog, clock: systemClock, replays });
  await adapter.start(benchInbound(() => adapter));
  // The bot's server reads every body with its one reader before the adapter sees it; so does this bench.
  const ours = await listen((req, res) => {
    readBody(req, 1024 * 1024).then((read) => {
      if (read.ok) adapter.httpHandler(req, res, read.body);
      else res.writeHead(413, { connection: "close" }).end();
    });
  });
  const receiver = new HTTPReceiver({ signingSecret: SECRET, logger: quietBolt });
  // The same Bolt settings the adapter uses (no conversation store), so the ratio shows what the adapter adds.
  const bare = new App({
    token: BOT_TOKEN,
    receiver,
    logger: quietBolt,
    convoStore: false,
    clientOptions: { slackApiUrl: ready.apiUrl },
  });
  bare.command("/pve", async ({ ack }) => {
    await ack();
  });
  const theirs = await listen(receiver.requestListener);

  for (const url of [ours.url, theirs.url]) {
    await runLoad(url, "help", WARMUP, 0);
    await runLoad(url, "job 3", WARMUP, 0);
  }
  await adapter.settled();

  const lat = {
    adapterHelp: [] as number[],
    adapterJob: [] as number[],
    bareHelp: [] as number[],
    bareJob: [] as number[],
  };
  const busy = { help: 0, job: 0 };
  let rssPeak = 0;
  const rssBefore = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }, 25);
  const perRound = Math.ceil(N / ROUNDS);
  const t0 = performance.now();
  for (let round = 0; round < ROUNDS; round++) {
    const count = Math.min(perRound, N - round * perRound);
    const sides = round % 2 === 0 ? (["adapter", "bare"] as const) : (["bare", "adapter"] as const);
    for (const side of sides) {
      const url = side === "adapter" ? ours.url : theirs.url;
      // A full collection before each load, so a major GC left over from the other side does not land
      // in this side's tail (needs --expose-gc; without it the bench still runs, just noisier).
      (globalThis as { gc?: () => void }).gc?.();
      const help = await runLoad(url, "help", count, round);
      (globalThis as { gc?: () => void }).gc?.();
      const job = await runLoad(url, "job 3", count, round);
      (side === "adapter" ? lat.adapterHelp : lat.bareHelp).push(...help.samples);
      (side === "adapter" ? lat.adapterJob : lat.bareJob).push(...job.samples);
      if (side === "adapter") {
        busy.help += help.busy;
        busy.job += job.busy;
      }
    }
  }
  const loadSeconds = (performance.now() - t0) / 1000;
  await adapter.settled();
  clearInterval(sampler);
  const rssAfter = process.memoryUsage().rss;
  await adapter.stop();
  child.send({ type: "counts" });
  const counts = await nextMessage();

  const help = { adapter: summary(lat.adapterHelp), bareBolt: summary(lat.bareHelp) };
  const job = { adapter: summary(lat.adapterJob), bareBolt: summary(lat.bareJob) };
  const ratio = (x: typeof help) => Number((x.adapter.p99Ms / x.bareBolt.p99Ms).toFixed(3));
  const { type: _type, ...fakeSlack } = counts;
  console.log(
    JSON.stringify({
      bench: "slack-ack-latency",
      requestsPerKindAndSide: N,
      concurrency: CONCURRENCY,
      node: process.version,
      adapterHandlers: config.handlers,
      help: { ...help, ratioP99: ratio(help), adapterAnsweredBusy: busy.help },
      jobStart: { ...job, ratioP99: ratio(job), adapterAnsweredBusy: busy.job },
      targetRatioP99: 1.25,
      rssMiB: {
        before: Math.round(rssBefore / 2 ** 20),
        peakUnderLoad: Math.round(rssPeak / 2 ** 20),
        afterLoad: Math.round(rssAfter / 2 ** 20),
      },
      loadSeconds: Number(loadSeconds.toFixed(1)),
      outbox: adapter.stats(),
      fakeSlack,
    }),
  );
  child.send({ type: "close" });
  for (const s of [ours.server, theirs.server]) {
    s.closeAllConnections();
    s.close();
  }
}

const main = cli.values["slack-side"] ? slackSide : botSide;
main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
