/**
 * The console at a terminal: an edited message redrawn in place (cursor up, clear below, print again) while
 * it is the last thing on screen; colour as NO_COLOR / FORCE_COLOR / TERM say; a reply that leaves rows out
 * saved whole to a file whose path the message prints. Piped output is covered by the other console tests.
 */
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type { Inbound } from "../../src/adapters/chat.js";
import { colorWanted } from "../../src/adapters/console/ansi.js";
import { ConsoleAdapter } from "../../src/adapters/console/console-adapter.js";
import { formatMessage } from "../../src/adapters/console/render.js";
import { consoleRig, memoryLog, RIG_USERS, steppingClock } from "./helpers.js";

const ESC = "\u001b";
const idle: Inbound = { onCommand: async () => ({ text: "ok" }), onAction: async () => undefined };

function ttyAdapter() {
  const input = new PassThrough();
  const output = Object.assign(new PassThrough(), { columns: 60, rows: 30, isTTY: true });
  let printed = "";
  output.on("data", (c: Buffer) => {
    printed += c.toString("utf8");
  });
  const adapter = new ConsoleAdapter({
    input,
    output,
    isTTY: true,
    color: false,
    users: RIG_USERS,
    user: "alice",
    channel: "ops-console",
    clock: steppingClock(),
    log: memoryLog(),
    filesDir: mkdtempSync(join(tmpdir(), "pvebot-tty-")),
  });
  return { adapter, input, output, printed: () => printed, reset: () => (printed = "") };
}

const conversation = { platform: "console" as const, channelId: "ops-console" };

describe("console at a TTY", () => {
  it("redraws an edited message in place while it is the last thing printed", async () => {
    const t = ttyAdapter();
    await t.adapter.start(idle);
    const ref = await t.adapter.post(conversation, {
      title: "Building ubuntu-24.04",
      progress: { fraction: 0.2, step: "download" },
    });
    t.reset();
    await t.adapter.update(ref, {
      title: "Building ubuntu-24.04",
      progress: { fraction: 0.6, step: "import" },
    });
    const redraw = t.printed();
    // Prompt cleared, up two rows (title and bar), clear below, the message again without "(edited)".
    expect(redraw).toContain(
      `\r${ESC}[2K${ESC}[2A\r${ESC}[J#1 Building ubuntu-24.04\n  [######....] 60% import\n`,
    );
    expect(redraw).not.toContain("(edited)");

    await t.adapter.post(conversation, { text: "something else" });
    t.reset();
    await t.adapter.update(ref, { title: "Built ubuntu-24.04", tone: "success" });
    expect(t.printed()).not.toContain(`${ESC}[J`);
    expect(t.printed()).toContain("#1 (edited) ✔ Built ubuntu-24.04");
    await t.adapter.stop();
  });

  it("counts wrapped rows of long lines when moving up", async () => {
    const t = ttyAdapter();
    await t.adapter.start(idle);
    const ref = await t.adapter.post(conversation, { text: "x".repeat(130) });
    t.reset();
    await t.adapter.update(ref, { text: "short" });
    // "#1 " + 130 characters on a 60-column terminal take three rows.
    expect(t.printed()).toContain(`${ESC}[3A\r${ESC}[J#1 short\n`);
    await t.adapter.stop();
  });

  it("piped output never redraws: an edit is a new block marked (edited)", async () => {
    const rig = consoleRig();
    await rig.adapter.start(idle);
    const ref = await rig.adapter.post(conversation, { text: "step 1" });
    await rig.adapter.update(ref, { text: "step 2" });
    expect(rig.text()).toBe("#1 step 1\n#1 (edited) step 2\n");
    await rig.adapter.stop();
  });
});

describe("colour", () => {
  it("follows NO_COLOR, FORCE_COLOR, TERM=dumb and the TTY", () => {
    expect(colorWanted({}, true)).toBe(true);
    expect(colorWanted({}, false)).toBe(false);
    expect(colorWanted({ NO_COLOR: "1" }, true)).toBe(false);
    expect(colorWanted({ NO_COLOR: "" }, true)).toBe(true);
    expect(colorWanted({ FORCE_COLOR: "1" }, false)).toBe(true);
    expect(colorWanted({ FORCE_COLOR: "0" }, true)).toBe(false);
    expect(colorWanted({ FORCE_COLOR: "false" }, true)).toBe(false);
    expect(colorWanted({ NO_COLOR: "1", FORCE_COLOR: "1" }, true)).toBe(false);
    expect(colorWanted({ TERM: "dumb" }, true)).toBe(false);
  });

  it("colours the title by tone, and the adapter takes the choice from its environment", async () => {
    expect(formatMessage({ id: "1" }, { tone: "success", title: "Built" }, { color: true })).toContain(
      `${ESC}[1m${ESC}[32mBuilt${ESC}[0m`,
    );
    expect(formatMessage({ id: "1" }, { tone: "danger", title: "Failed" }, { color: true })).toContain(
      `${ESC}[1m${ESC}[31mFailed${ESC}[0m`,
    );
    const output = new PassThrough();
    let printed = "";
    output.on("data", (c: Buffer) => {
      printed += c.toString("utf8");
    });
    const forced = new ConsoleAdapter({
      input: new PassThrough(),
      output,
      isTTY: false,
      env: { FORCE_COLOR: "1" },
      users: RIG_USERS,
      user: "alice",
      channel: "ops-console",
      clock: steppingClock(),
      log: memoryLog(),
    });
    await forced.post(conversation, { tone: "warning", title: "Careful" });
    expect(printed).toContain(`${ESC}[33m`);
  });
});

describe("a reply that leaves something out", () => {
  it("is saved whole to a private file whose path the message prints", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "pvebot-files-")), "out");
    const rig = consoleRig();
    const adapter = new ConsoleAdapter({
      input: rig.input,
      output: rig.output,
      isTTY: false,
      color: false,
      users: RIG_USERS,
      user: "alice",
      channel: "ops-console",
      clock: steppingClock(),
      log: memoryLog(),
      filesDir: dir,
    });
    const rows = Array.from({ length: 120 }, (_, i) => [String(100 + i), `vm-${i}`]);
    await adapter.post(conversation, {
      title: "VMs",
      table: { columns: ["vmid", "name"], rows, page: { number: 1, limit: 30, command: "vms" } },
    });
    const path = join(dir, "message-1-vms.txt");
    expect(rig.text()).toContain("rows 1–30 of 120 · next: vms --page 2\n");
    expect(rig.text()).toContain(`full text: ${path}\n`);
    const saved = readFileSync(path, "utf8");
    expect(saved.split("\n").filter((l) => /^\d{3} +vm-/.test(l))).toHaveLength(120);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it("refuses a files directory others can write to, and says nothing of a file", async () => {
    const open = mkdtempSync(join(tmpdir(), "pvebot-open-"));
    const { chmodSync } = await import("node:fs");
    chmodSync(open, 0o777);
    const log = memoryLog();
    const rig = consoleRig();
    const adapter = new ConsoleAdapter({
      input: rig.input,
      output: rig.output,
      isTTY: false,
      color: false,
      users: RIG_USERS,
      user: "alice",
      channel: "ops-console",
      clock: steppingClock(),
      log,
      filesDir: open,
    });
    const rows = Array.from({ length: 60 }, (_, i) => [String(i)]);
    await adapter.post(conversation, { title: "Many", table: { columns: ["n"], rows } });
    expect(rig.text()).toContain("rows 1–50 of 60");
    expect(rig.text()).not.toContain("full text:");
    expect(JSON.stringify(log.entries)).toContain("0700");
  });
});
