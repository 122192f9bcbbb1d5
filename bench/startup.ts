/**
 * Start-up benchmark: spawns the built bot (`node dist/bot/cli.js run`) against the PVE simulator and the
 * local Redis, measures the time from spawn to the first `/readyz` 200, and the process's RSS right then.
 * Five runs; prints one JSON object with the medians. Budgets: ready < 1.5 s, RSS < 120 MB.
 *
 *   npm run bench:startup      (builds first)
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { deleteKeysWithPrefix } from "../src/adapters/store/redis.js";
import { startPveSimulator } from "../src/sim/pve/index.js";

const RUNS = 5;
const CLI = fileURLToPath(new URL("../dist/bot/cli.js", import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return Math.round((kb / 1024) * 10) / 10;
}

async function readyOnce(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`);
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function oneRun(env: Record<string, string>): Promise<{ readyMs: number; rssMb: number }> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, "run"], {
    env: { ...process.env, ...env, PVEBOT_HTTP_PORT: String(port), PVEBOT_HTTP_HOST: "127.0.0.1" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  try {
    const deadline = started + 15_000;
    while (!(await readyOnce(port))) {
      if (performance.now() > deadline) throw new Error("the bot was not ready within 15 s");
      if (child.exitCode !== null) throw new Error(`the bot exited with ${child.exitCode}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return { readyMs: Math.round(performance.now() - started), rssMb: rssMb(child.pid!) };
  } finally {
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  }
}

const sim = await startPveSimulator();
const env = {
  REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
  PVEBOT_REDIS_PREFIX: `bench-${randomBytes(4).toString("hex")}:`,
  LOG_LEVEL: "warn",
  PROXMOX_URL: sim.url,
  PROXMOX_TOKEN_ID: sim.tokenId,
  PROXMOX_TOKEN_SECRET: sim.tokenSecret,
  PROXMOX_TLS_FINGERPRINT: sim.fingerprint,
};
const runs = [];
for (let i = 0; i < RUNS; i++) runs.push(await oneRun(env));
await sim.close();
// The bench's own keys (job queue metadata the runs created) go with it.
const redis = new Redis(env.REDIS_URL);
await deleteKeysWithPrefix(redis, env.PVEBOT_REDIS_PREFIX);
redis.disconnect();

const readyMs = median(runs.map((r) => r.readyMs));
const rss = median(runs.map((r) => r.rssMb));
console.log(
  JSON.stringify({
    benchmark: "startup",
    runs: RUNS,
    node: process.version,
    readyMsMedian: readyMs,
    rssMbMedian: rss,
    readyMsAll: runs.map((r) => r.readyMs),
    rssMbAll: runs.map((r) => r.rssMb),
    budget: { readyMs: 1500, rssMb: 120 },
    withinBudget: readyMs < 1500 && rss < 120,
  }),
);
