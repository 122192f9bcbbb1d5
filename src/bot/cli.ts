#!/usr/bin/env node
/** The `proxmox-chatops` executable: hands the process's arguments and streams to `main`. */
import { main } from "./cli-main.js";

/**
 * Once `main` has returned, the process should end by itself; a handle a library left open (a reconnect
 * timer, a half-open socket after a failed start) must not keep a failed bot alive, so after a grace period
 * the exit is forced with the same code. The timer is unref'd: it never delays a clean exit.
 */
const EXIT_GRACE_MS = 3000;

function exitWith(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
}

main({ argv: process.argv.slice(2), env: process.env, stdout: process.stdout, stderr: process.stderr }).then(
  exitWith,
  (err: unknown) => {
    process.stderr.write(
      `proxmox-chatops: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    exitWith(1);
  },
);
