import type { Log } from "./ports.js";

/** Discards everything: for tools, tests and benchmarks whose output must stay clean. */
export const silentLog: Log = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLog,
};
