/**
 * A `vms` reply for a 10,000-guest cluster (the real command on the real client against the simulator)
 * still fits a Slack message and a console screen, pages to the very last row, and attaches every row.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ButtonSigner } from "../../src/adapters/chat-kit/button-signer.js";
import { fileNameFor, fullText } from "../../src/adapters/chat-kit/full-text.js";
import { displayWidth } from "../../src/adapters/chat-kit/table.js";
import { saveFile } from "../../src/adapters/console/files.js";
import { DEFAULT_WIDTH, formatMessage, leavesOut } from "../../src/adapters/console/render.js";
import { renderReply, textSize } from "../../src/adapters/slack/blocks.js";
import { LIMITS, SLACK_BUTTONS } from "../../src/adapters/slack/limits.js";
import { vms } from "../../src/commands/vms.js";
import type { Reply } from "../../src/services/vocabulary/reply.js";
import { validateMessage } from "../fakes/slack/index.js";
import { type SimClient, simCommandContext, startSimClient } from "../proxmox/helpers/sim.js";

const GUESTS = 10_000;
const TEMPLATES = GUESTS / 40;
const VMS = GUESTS - TEMPLATES;
const signer = new ButtonSigner("large-listing-secret", { now: () => 0 }, 86_400_000, SLACK_BUTTONS);

describe("vms on a 10,000-guest cluster", () => {
  let t: SimClient;
  let first: Reply;
  let last: Reply;
  const dir = mkdtempSync(join(tmpdir(), "large-listing-"));
  beforeAll(async () => {
    t = await startSimClient({ nodes: 16, vms: GUESTS, access: "read-only" });
    const ctx = simCommandContext(t);
    first = await vms.run(ctx, {});
    last = await vms.run(ctx, { page: VMS / 50, limit: 50 });
  }, 60_000);
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await t.close();
  });

  it("lists every VM in the reply, the page travelling with the table", () => {
    expect(first.title).toBe(`VMs (${VMS})`);
    expect(first.table?.rows).toHaveLength(VMS);
    expect(last.table?.page).toEqual({ number: VMS / 50, limit: 50, command: "vms --limit 50" });
  });

  it("renders within Slack's limits and attaches every row as a file", () => {
    for (const reply of [first, last]) {
      const out = renderReply(reply, signer);
      expect(validateMessage({ text: out.text, blocks: out.blocks })).toMatchObject({ ok: true });
      expect(out.blocks.length).toBeLessThanOrEqual(LIMITS.blocks);
      expect(textSize(out.blocks)).toBeLessThanOrEqual(LIMITS.totalText);
      const lines = out.overflow?.content.split("\n") ?? [];
      expect(lines).toContain(`(${VMS} rows)`);
      expect(lines.filter((l) => /^\d+ {2,}/.test(l))).toHaveLength(VMS);
    }
    const shown = JSON.stringify(renderReply(last, signer).blocks);
    // The last page shows the last VM; templates (every 40th guest) are not VMs.
    expect(shown).toContain(`${100 + GUESTS - 2} `);
    expect(shown).toContain(`rows ${VMS - 49}–${VMS} of ${VMS}`);
  });

  it("prints a console message no wider than the terminal, with the full reply saved beside it", () => {
    expect(leavesOut(first)).toBe(true);
    const saved = saveFile(dir, fileNameFor(first), fullText(first));
    if (!saved.ok) throw new Error(saved.reason);
    const printed = formatMessage({ id: "1" }, first, { color: false, attachment: saved.path });
    const lines = printed.trimEnd().split("\n");
    expect(lines.length).toBeLessThan(40);
    expect(lines.every((l) => displayWidth(l) <= DEFAULT_WIDTH)).toBe(true);
    expect(printed).toContain(saved.path);
    expect(readFileSync(saved.path, "utf8")).toContain(`(${VMS} rows)`);
  });
});
