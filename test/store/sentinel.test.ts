/**
 * The store and the job queue through Redis Sentinel: a private master and one sentinel (quorum 1) on
 * loopback; the bot is given only the sentinel's address and the master's name.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStores, type OpenStore, openStore } from "../../src/bot/compose/stores.js";
import { request, T0 } from "../approvals/fixtures.js";
import { freePort, PrivateRedis } from "../helpers/private-redis.js";
import { harness } from "../jobs/harness.js";
import { buildJob, newCalls } from "../jobs/sample-job.js";
import { actor, dropPrefix, memoryLog, uniquePrefix } from "./helpers.js";

let master: PrivateRedis;
let stopSentinel: () => Promise<void>;
let url: string;
let store: OpenStore;

beforeAll(async () => {
  master = await PrivateRedis.start();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "pvebot-sentinel-"));
  const conf = join(dir, "sentinel.conf");
  writeFileSync(
    conf,
    [
      `port ${port}`,
      "bind 127.0.0.1",
      `dir ${dir}`,
      `sentinel monitor pvebot 127.0.0.1 ${master.port} 1`,
      "",
    ].join("\n"),
  );
  const child = spawn("redis-server", [conf, "--sentinel"], { stdio: ["ignore", "pipe", "ignore"] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      if (String(d).includes("+monitor master pvebot")) resolve();
    });
    child.on("exit", (code) => reject(new Error(`redis-sentinel exited with ${code}`)));
  });
  stopSentinel = async () => {
    child.removeAllListeners("exit");
    const gone = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await gone;
    rmSync(dir, { recursive: true, force: true });
  };
  url = `redis+sentinel://127.0.0.1:${port}/pvebot`;
  store = await openStore(url, { log: memoryLog(), timeoutMs: 10_000 });
}, 30_000);

afterAll(async () => {
  store?.close();
  await stopSentinel?.();
  await master?.stop();
});

describe("through Redis Sentinel", () => {
  it("finds the master and decides an approval once", async () => {
    const prefix = uniquePrefix();
    const { approvals } = createStores(store.redis, { prefix });
    const r = request();
    await approvals.create(r);
    const results = await Promise.all(
      ["UB", "UC", "UD"].map((id) =>
        approvals.decide(r.id, { actor: actor(id), verdict: "approve", at: T0 + 1 }),
      ),
    );
    expect(results.filter((x) => x.kind === "approved")).toHaveLength(1);
    // The data is on the master the sentinel named.
    const direct = new Redis(master.url);
    expect(await direct.hget(`${prefix}approval:${r.id}`, "status")).toBe("approved");
    direct.disconnect();
    await dropPrefix(store.redis, prefix);
  });

  it("runs a job through BullMQ found by the sentinel", async () => {
    const calls = newCalls();
    const h = harness([buildJob(calls)], { redisUrl: url });
    try {
      h.startWorker();
      const started = await h.start("template.build", { vmid: 9002 });
      expect(await h.queue.waitUntilFinished(started.id, 20_000)).toMatchObject({ state: "completed" });
    } finally {
      await h.close();
    }
  }, 30_000);
});
