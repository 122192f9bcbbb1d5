/**
 * Runs the built bot (`node dist/bot/cli.js run`) as its own process until its `/readyz` answers 200, and
 * reads its RSS right then: the start-up benchmark and the Discord benchmark's RSS with both chat platforms.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

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

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Starts the bot with `env`, waits for ready (`timeoutMs`, 15 s by default), measures, and stops it. */
export async function runBotUntilReady(
  env: Record<string, string>,
  timeoutMs = 15_000,
): Promise<{ readyMs: number; rssMb: number }> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, "run"], {
    env: { ...process.env, ...env, PVEBOT_HTTP_PORT: String(port), PVEBOT_HTTP_HOST: "127.0.0.1" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  try {
    const deadline = started + timeoutMs;
    while (!(await readyOnce(port))) {
      if (performance.now() > deadline) throw new Error(`the bot was not ready within ${timeoutMs / 1000} s`);
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

/** The environment of a bot against the PVE simulator and the local Redis, under a fresh key prefix. */
export function simBotEnv(sim: { url: string; tokenId: string; tokenSecret: string; fingerprint: string }) {
  return {
    REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    PVEBOT_REDIS_PREFIX: `bench-${randomBytes(4).toString("hex")}:`,
    LOG_LEVEL: "warn",
    PROXMOX_URL: sim.url,
    PROXMOX_TOKEN_ID: sim.tokenId,
    PROXMOX_TOKEN_SECRET: sim.tokenSecret,
    PROXMOX_TLS_FINGERPRINT: sim.fingerprint,
  };
}
