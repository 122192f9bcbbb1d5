/**
 * Finds a Redis for the bot to use. The demo and a first try-out should work on a machine that has the
 * `redis-server` binary but no running server, so with `allowPrivate` a throw-away server is started: no
 * persistence, loopback only, a free port, a temporary directory, killed when the process exits. A
 * deployment passes `allowPrivate: false` and gets a clear error instead, because silently running on a
 * private, non-persistent Redis would lose approvals and audit records on restart.
 *
 * A Redis that answers with an error (wrong password, TLS mismatch) is reported as such and never replaced
 * by a private one: the configuration is wrong, not the service missing.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants, rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { pingRedis, redactRedisUrl } from "../adapters/store/redis.js";
import type { Log } from "../services/ports.js";

export interface EnsureRedisOptions {
  url: string;
  log: Log;
  /** Start a private redis-server when `url` does not answer. */
  allowPrivate: boolean;
  /** How long to wait for `url` to answer a PING. Default 2000 ms. */
  pingTimeoutMs?: number;
  /** Where to look for `redis-server`; defaults to the PATH environment variable. */
  searchPath?: string;
  /** How long a private server may take to answer after it was spawned. Default 5000 ms. */
  startTimeoutMs?: number;
}

export interface RedisHandle {
  url: string;
  /** Kills a private server and removes its directory; does nothing for a Redis we did not start. */
  stop(): Promise<void>;
  /** True when a private server was started. */
  started: boolean;
}

/**
 * Pings `url` once; when nobody answers and `allowPrivate` is set, starts a private redis-server.
 *
 * Limit: the private server is killed on `stop()` and on a normal process exit. A signal that kills the
 * process without running exit handlers (SIGTERM/SIGINT with no handler installed) leaves it running, so
 * the composition root should call `stop()` from its shutdown path. Ctrl-C at a terminal also reaches the
 * child (same process group), which then shuts down by itself.
 */
export async function ensureRedis(options: EnsureRedisOptions): Promise<RedisHandle> {
  const { url, log } = options;
  const shown = redactRedisUrl(url);
  const ping = await pingRedis(url, options.pingTimeoutMs ?? 2000);
  if (ping.ok) {
    log.info({ redis: shown }, "using Redis");
    return { url, started: false, stop: async () => {} };
  }
  if (ping.refused) throw new Error(`Redis at ${shown} answered with an error: ${ping.reason}`);
  const binary = options.allowPrivate
    ? findExecutable("redis-server", options.searchPath ?? process.env.PATH ?? "")
    : undefined;
  if (!binary) {
    throw new Error(
      [
        `Redis did not answer at ${shown}.`,
        "Install it (apt-get install redis-server), start it (redis-server --daemonize yes),",
        "or point REDIS_URL at a running Redis.",
      ].join(" "),
    );
  }
  log.warn(
    { redis: shown },
    "Redis did not answer; starting a private, non-persistent redis-server for this process",
  );
  return startPrivateRedis(binary, log, options.startTimeoutMs ?? 5000);
}

function findExecutable(name: string, searchPath: string): string | undefined {
  for (const dir of searchPath.split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The port is free when chosen but could be taken before redis-server binds it; a server that exits at
 * start is therefore retried on a new port a few times.
 */
async function startPrivateRedis(binary: string, log: Log, startTimeoutMs: number): Promise<RedisHandle> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await startOnce(binary, log, startTimeoutMs);
    } catch (err) {
      lastError = err;
      if (!(err instanceof PrivateRedisExited)) break;
      log.warn({ attempt, err: err.message }, "private redis-server exited at start; trying another port");
    }
  }
  throw lastError;
}

class PrivateRedisExited extends Error {}

async function startOnce(binary: string, log: Log, startTimeoutMs: number): Promise<RedisHandle> {
  const dir = await mkdtemp(join(tmpdir(), "pvebot-redis-"));
  const port = await freeLoopbackPort();
  const url = `redis://127.0.0.1:${port}`;
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    dir,
  ];
  const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    output.splice(0, Math.max(0, output.length - 20));
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  child.on("error", (err) => log.error({ err: err.message }, "private redis-server failed"));

  const cleanupOnExit = () => {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", cleanupOnExit);
  const stop = async () => {
    process.removeListener("exit", cleanupOnExit);
    await killAndWait(child);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitUntilAnswers(url, child, startTimeoutMs);
  } catch (err) {
    await stop();
    const tail = output.slice(-5).join(" | ");
    const message = `${err instanceof Error ? err.message : String(err)}${tail ? `; redis-server said: ${tail}` : ""}`;
    throw err instanceof PrivateRedisExited ? new PrivateRedisExited(message) : new Error(message);
  }
  log.info({ redis: url, pid: child.pid }, "private redis-server started");
  return { url, started: true, stop };
}

async function waitUntilAnswers(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) {
      throw new PrivateRedisExited(
        `the private redis-server exited at start (code ${child.exitCode ?? child.signalCode})`,
      );
    }
    if ((await pingRedis(url, 500)).ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the private redis-server did not answer within ${timeoutMs} ms`);
}

async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
  await exited;
  clearTimeout(timer);
}
