/**
 * Drivers for the console adapter in tests: piped streams, an in-memory log, and a parser that reads the
 * transcript back into messages the way a person reading the terminal would.
 */
import { randomUUID } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { ConsoleAdapter, type ConsoleUser } from "../../src/adapters/console/console-adapter.js";
import { BODY_INDENT } from "../../src/adapters/console/render.js";
import type { Clock } from "../../src/services/ports.js";

import { type LogEntry, memoryLog } from "../store/helpers.js";

export { type LogEntry, memoryLog };

export function steppingClock(start = 1_700_000_000_000, step = 5): Clock {
  let now = start;
  return { now: () => (now += step) };
}

export interface ConsoleRig {
  adapter: ConsoleAdapter;
  input: PassThrough;
  output: PassThrough;
  log: ReturnType<typeof memoryLog>;
  /** Everything printed so far. */
  text(): string;
  /** Writes lines to the adapter's input and resolves once all of them were handled. */
  type(...lines: string[]): Promise<void>;
}

export const RIG_USERS: Record<string, ConsoleUser> = {
  alice: { name: "Alice Admin", groups: ["ops", "admins"] },
  bob: { name: "Bob Builder", groups: ["ops"] },
  carol: { groups: [] },
};

export function consoleRig(
  options: { isTTY?: boolean; user?: string; waitForJob?: (jobId: string) => Promise<unknown> } = {},
): ConsoleRig {
  const input = new PassThrough();
  const output = new PassThrough();
  let printed = "";
  output.on("data", (chunk: Buffer) => {
    printed += chunk.toString("utf8");
  });
  const log = memoryLog();
  let counter = 0;
  const adapter = new ConsoleAdapter({
    input,
    output,
    isTTY: options.isTTY ?? false,
    color: false,
    filesDir: join(tmpdir(), `pvebot-console-test-${randomUUID()}`),
    users: RIG_USERS,
    user: options.user ?? "alice",
    channel: "ops-console",
    clock: steppingClock(),
    log,
    newRequestId: () => `req-${++counter}`,
    ...(options.waitForJob ? { waitForJob: options.waitForJob } : {}),
  });
  return {
    adapter,
    input,
    output,
    log,
    text: () => printed,
    type: async (...lines) => {
      const target = adapter.linesHandled + lines.length;
      input.write(lines.map((l) => `${l}\n`).join(""));
      await waitFor(() => adapter.linesHandled >= target, `${lines.length} line(s) handled`);
    },
  };
}

export async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export interface TranscriptMessage {
  /** Message id without `#`; absent for id-less `(only you)` notes. */
  id?: string;
  /** The message this one answers (`↳ #3`). */
  replyTo?: string;
  edited: boolean;
  onlyYou: boolean;
  /** Head line after the tags, then the body lines with their indentation removed. */
  lines: string[];
}

const HEAD = /^(?:#(\d+) )?(?:↳ #(\d+) )?(\(edited\) )?(\(only you\) )?(.*)$/;

/**
 * Splits a transcript into printed messages. A message starts with `#n` or `(only you)` at the start of a
 * line; its body is the following lines indented by BODY_INDENT (blank lines inside a message included).
 * Echoed input (`alice> …`) and console notes are not messages and end the current one.
 */
export function parseTranscript(text: string): TranscriptMessage[] {
  const messages: TranscriptMessage[] = [];
  let current: TranscriptMessage | undefined;
  for (const line of text.split("\n")) {
    if (current && (line.startsWith(BODY_INDENT) || line === "")) {
      current.lines.push(line.slice(BODY_INDENT.length));
      continue;
    }
    current = undefined;
    if (!/^(#\d+ |\(only you\) )/.test(line)) continue;
    const m = HEAD.exec(line)!;
    current = {
      ...(m[1] !== undefined ? { id: m[1] } : {}),
      ...(m[2] !== undefined ? { replyTo: m[2] } : {}),
      edited: m[3] !== undefined,
      onlyYou: m[4] !== undefined,
      lines: [m[5] ?? ""],
    };
    messages.push(current);
  }
  for (const message of messages) {
    while (message.lines.length > 1 && message.lines[message.lines.length - 1] === "") message.lines.pop();
  }
  return messages;
}
