/**
 * A Redis outage, seen from the outside: the real CLI (`proxmox-chatops run`, with its job worker, so the
 * store, the queue's bookkeeping and BullMQ's own connections are all open) loses its private Redis and
 * gets it back. Standard output stays JSON and tells the outage in exactly two lines; standard error
 * stays empty: no ioredis "Unhandled error event" and no stack trace.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { PrivateRedis } from "../helpers/private-redis.js";

const CLI = fileURLToPath(new URL("../../src/bot/cli.ts", import.meta.url));

let redis: PrivateRedis | undefined;
let child: ChildProcess | undefined;
afterEach(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child!.once("exit", r));
    child.kill("SIGKILL");
    await exited;
  }
  await redis?.kill();
});

interface LogLine {
  msg?: string;
  level?: number;
}

function waitFor(lines: LogLine[], msg: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = () => {
      if (lines.some((l) => l.msg === msg)) return resolve();
      if (Date.now() > until) return reject(new Error(`no "${msg}" line within ${timeoutMs} ms`));
      setTimeout(check, 50);
    };
    check();
  });
}

describe("a Redis outage in the log", () => {
  it("is one 'Redis unavailable' line and one 'Redis back' line, with nothing on stderr", async () => {
    redis = await PrivateRedis.start();
    child = spawn(process.execPath, ["--import", "tsx", CLI, "run"], {
      env: {
        PATH: process.env.PATH,
        REDIS_URL: redis.url,
        PVEBOT_REDIS_PREFIX: `test:outage-${process.pid}:`,
        PVEBOT_HTTP_PORT: "0",
        PVEBOT_HTTP_HOST: "127.0.0.1",
        LOG_FORMAT: "json",
        LOG_LEVEL: "info",
        PVEBOT_RUN_WORKER: "true",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const lines: LogLine[] = [];
    const notJson: string[] = [];
    let stderr = "";
    child.stderr!.on("data", (chunk) => {
      stderr += String(chunk);
    });
    createInterface({ input: child.stdout! }).on("line", (line) => {
      try {
        lines.push(JSON.parse(line) as LogLine);
      } catch {
        notJson.push(line);
      }
    });

    await waitFor(lines, "bot started", 20_000);
    await redis.kill();
    await waitFor(lines, "Redis unavailable", 10_000);
    // Several reconnect rounds of every client (the store's backoff starts at 100 ms, BullMQ's at 1 s).
    await new Promise((r) => setTimeout(r, 3000));
    await redis.restart();
    await waitFor(lines, "Redis back", 20_000);
    // Late reconnections of the slower clients must not reopen the outage.
    await new Promise((r) => setTimeout(r, 2500));

    const exited = new Promise<number | null>((r) => child!.once("exit", (code) => r(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);

    expect(lines.filter((l) => l.msg === "Redis unavailable")).toHaveLength(1);
    expect(lines.filter((l) => l.msg === "Redis back")).toHaveLength(1);
    expect(notJson).toEqual([]);
    expect(stderr).toBe("");
  }, 60_000);
});
