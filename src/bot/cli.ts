#!/usr/bin/env node
/** The `proxmox-chatops` executable: hands the process's arguments and streams to `main`. */
import { main } from "./cli-main.js";

main({ argv: process.argv.slice(2), env: process.env, stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `proxmox-chatops: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 1;
  },
);
