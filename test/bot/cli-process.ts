/** Runs the real `proxmox-chatops` CLI (through tsx) as a child process, for start-up behaviour tests. */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, PrivateRedis } from "../helpers/private-redis.js";

export { freePort };

const TSX = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));
const CLI = fileURLToPath(new URL("../../src/bot/cli.ts", import.meta.url));

export interface CliRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code; kills the process and rejects when it runs longer than `timeoutMs`. */
  exited(timeoutMs: number): Promise<number | null>;
  stop(): Promise<void>;
}

/**
 * Starts `cli.ts <args>` with only `env` (plus PATH): no variable of the test runner leaks in, and the
 * working directory is an empty temporary one.
 */
export function runCli(args: readonly string[], env: Record<string, string>): CliRun {
  const cwd = mkdtempSync(join(tmpdir(), "pvebot-cli-"));
  const child = spawn(TSX, [CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "", LOG_FORMAT: "json", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (c: Buffer) => {
    out += c.toString("utf8");
  });
  child.stderr!.on("data", (c: Buffer) => {
    err += c.toString("utf8");
  });
  const exit = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => {
      rmSync(cwd, { recursive: true, force: true });
      resolve(code);
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited: async (timeoutMs) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          child.kill("SIGKILL");
          reject(new Error(`the CLI still ran after ${timeoutMs} ms; stderr: ${err}`));
        }, timeoutMs);
      });
      try {
        return await Promise.race([exit, late]);
      } finally {
        clearTimeout(timer);
      }
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      await exit;
    },
  };
}

/** A stack frame line as V8 prints it. */
export const STACK_FRAME = /\n\s+at .+[:(]/;

/** Starts a throw-away redis-server on a free loopback port; `args` adds options such as --requirepass. */
export async function privateRedis(args: readonly string[]): Promise<{ url: string; stop(): Promise<void> }> {
  const redis = await PrivateRedis.start(args);
  return { url: redis.url, stop: () => redis.stop() };
}
