import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ButtonSigner } from "../../src/adapters/chat-kit/button-signer.js";
import { renderReply, SLACK_ROWS, textSize } from "../../src/adapters/slack/blocks.js";
import { LIMITS, SLACK_BUTTONS } from "../../src/adapters/slack/limits.js";
import { mention } from "../../src/services/vocabulary/mention.js";
import type { Reply } from "../../src/services/vocabulary/reply.js";
import { buttonsOf, validateMessage } from "../fakes/slack/index.js";
import { RENDER_FIXTURES } from "./render-fixtures.js";

const NOW = 1_750_000_000_000;
const clock = { now: () => NOW };
const signer = new ButtonSigner("render-test-secret", clock, 7 * 86_400_000, SLACK_BUTTONS);

describe("Block Kit renderer", () => {
  for (const [name, reply] of Object.entries(RENDER_FIXTURES)) {
    it(`renders ${name} as saved in expected/${name}.json, within Slack's limits`, async () => {
      const out = renderReply(reply, signer);
      await expect(`${JSON.stringify(out, null, 2)}\n`).toMatchFileSnapshot(`./expected/${name}.json`);
      expect(validateMessage({ text: out.text, blocks: out.blocks })).toMatchObject({ ok: true });
    });
  }

  it("shows a page of a long table, says how to get the next one, and attaches every row", () => {
    const out = renderReply(RENDER_FIXTURES["long-table"]!, signer);
    expect(out.blocks.length).toBeLessThanOrEqual(LIMITS.blocks);
    expect(textSize(out.blocks)).toBeLessThanOrEqual(LIMITS.totalText);
    const shown = JSON.stringify(out.blocks).match(/\\n\d{3} {3}vm-/g)?.length ?? 0;
    expect(shown).toBe(SLACK_ROWS.rows);
    expect(JSON.stringify(out.blocks)).toContain("rows 1–20 of 700 · every row in `all-vms.txt`");
    expect(out.overflow?.content.match(/^\d{3,} +vm-/gm)).toHaveLength(700);
  });

  it("carries over-long and duplicate button ids in the value, and verifies them back", () => {
    const out = renderReply(RENDER_FIXTURES["over-limits"]!, signer);
    const buttons = buttonsOf(out.blocks);
    const ids = buttons.map((b) => signer.check(b.action_id, b.value));
    expect(ids.every((r) => r.ok)).toBe(true);
    expect(ids.map((r) => (r.ok ? r.id : "")).slice(-2)).toEqual([`long:${"z".repeat(300)}`, "b:0"]);
    expect(new Set(buttons.map((b) => b.action_id)).size).toBe(buttons.length);
  });

  it("refuses a tampered, foreign or stale button value", () => {
    const [b] = buttonsOf(renderReply(RENDER_FIXTURES["approval-card"]!, signer).blocks);
    expect(signer.check(b!.action_id, b!.value)).toEqual({ ok: true, id: "approval:0b7c:approve" });
    expect(signer.check("approval:0b7c:deny", b!.value)).toEqual({ ok: false, reason: "unknown" });
    expect(signer.check(b!.action_id, undefined)).toEqual({ ok: false, reason: "unknown" });
    expect(
      new ButtonSigner("other-secret", clock, 1000, SLACK_BUTTONS).check(b!.action_id, b!.value).ok,
    ).toBe(false);
    const later = new ButtonSigner(
      "render-test-secret",
      { now: () => NOW + 7 * 86_400_000 + 1000 },
      7 * 86_400_000,
      SLACK_BUTTONS,
    );
    expect(later.check(b!.action_id, b!.value)).toEqual({ ok: false, reason: "stale" });
  });

  it("always produces a message the fake Slack accepts, whatever the reply (property)", () => {
    const text = fc.string({
      maxLength: 5000,
      size: "max",
      unit: fc.constantFrom("a", "<", "&", "\n", " ", "é", "😀", "`", "*"),
    });
    const short = fc.string({ minLength: 1, maxLength: 300 });
    const reply: fc.Arbitrary<Reply> = fc.record(
      {
        title: short,
        text,
        tone: fc.constantFrom("info", "success", "warning", "danger"),
        fields: fc.array(
          fc.record({
            label: short,
            value: fc.oneof(
              { arbitrary: fc.string({ maxLength: 40 }), weight: 4 },
              { arbitrary: text, weight: 1 },
            ),
          }),
          { maxLength: 40, size: "max" },
        ),
        table: fc.record(
          {
            columns: fc.array(short, { minLength: 1, maxLength: 6 }),
            rows: fc.array(fc.array(short, { maxLength: 6 }), { maxLength: 400, size: "max" }),
            page: fc.record({
              number: fc.integer({ min: 1, max: 30 }),
              limit: fc.integer({ min: 1, max: 500 }),
              command: short,
            }),
          },
          { requiredKeys: ["columns", "rows"] },
        ),
        links: fc.array(
          fc.record({ label: short, url: fc.oneof(fc.webUrl(), fc.string({ maxLength: 40 })) }),
          { maxLength: 30 },
        ),
        context: fc.oneof(
          text,
          short.map((name) => `${mention({ platform: "slack", id: "U0ALICE", name })} via ${name}`),
        ),
        code: text,
        progress: fc.record({ fraction: fc.double({ min: -1, max: 2, noNaN: false }), step: short }),
        buttons: fc.array(
          fc.record({
            id: fc.string({ minLength: 1, maxLength: 600 }),
            label: short,
            style: fc.constantFrom("primary", "danger"),
          }),
          { maxLength: 60, size: "max" },
        ),
        errorCode: fc.constantFrom("E_ARGS", "E_FORBIDDEN"),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(reply, (r) => {
        const out = renderReply(r, signer);
        const verdict = validateMessage({ text: out.text, blocks: out.blocks });
        if (!verdict.ok) throw new Error(`${verdict.error}: ${verdict.messages?.join("; ")}`);
        expect(textSize(out.blocks)).toBeLessThanOrEqual(LIMITS.totalText);
        expect(out.text.length).toBeLessThanOrEqual(LIMITS.fallbackText);
      }),
      { numRuns: 300 },
    );
  });
});
