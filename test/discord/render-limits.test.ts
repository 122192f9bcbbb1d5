import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ButtonSigner } from "../../src/adapters/chat-kit/button-signer.js";
import { DISCORD_BUTTONS, parseCustomId } from "../../src/adapters/discord/render/custom-id.js";
import { DISCORD_ROWS } from "../../src/adapters/discord/render/description.js";
import { LIMITS } from "../../src/adapters/discord/render/limits.js";
import { messageBody, renderReply } from "../../src/adapters/discord/render/message.js";
import type { DiscordMessage } from "../../src/adapters/discord/render/types.js";
import { mention } from "../../src/services/vocabulary/mention.js";
import type { Reply } from "../../src/services/vocabulary/reply.js";
import { DiscordOpenApi } from "../fakes/discord/openapi.js";

const NOW = 1_750_000_000_000;
const signer = new ButtonSigner("limits-secret", { now: () => NOW }, 86_400_000, DISCORD_BUTTONS);
const api = new DiscordOpenApi();

function embedTotal(m: DiscordMessage): number {
  return m.embeds.reduce(
    (n, e) =>
      n +
      (e.title?.length ?? 0) +
      (e.description?.length ?? 0) +
      (e.footer?.text.length ?? 0) +
      (e.fields ?? []).reduce((s, f) => s + f.name.length + f.value.length, 0),
    0,
  );
}

function accepted(m: DiscordMessage): void {
  const verdict = api.check("PATCH", "/webhooks/1/t/messages/@original", messageBody(m));
  if (!verdict.ok) throw new Error(verdict.errors.join("; "));
  expect(embedTotal(m)).toBeLessThanOrEqual(LIMITS.embedTotal);
}

const rows = (n: number, width = 8) =>
  Array.from({ length: n }, (_, i) => [String(100 + i), `vm-${"x".repeat(width)}-${i}`, "running", "pve1"]);

describe("Discord renderer within Discord's limits", () => {
  it("shows a screenful of a huge table and attaches every row", () => {
    const out = renderReply(
      { title: "All VMs", table: { columns: ["vmid", "name", "status", "node"], rows: rows(5000) } },
      signer,
    );
    accepted(out);
    const description = out.embeds[0]!.description!;
    expect(description.match(/^\d{3,4} +vm-/gm)).toHaveLength(DISCORD_ROWS.rows);
    expect(description).toContain("rows 1–20 of 5000 · every row in `all-vms.txt`");
    expect(out.files![0]!.content.match(/^\d{3,4} +vm-/gm)).toHaveLength(5000);
  });

  it("shows fewer rows of a wide page than asked when the description would overflow, and says which", () => {
    const table = {
      columns: ["vmid", "name", "status", "node"],
      rows: rows(500, 40),
      page: { number: 1, limit: 200, command: "vms" },
    };
    const out = renderReply({ title: "VMs", text: "t".repeat(3000), table }, signer);
    accepted(out);
    const description = out.embeds[0]!.description!;
    expect(description.length).toBeLessThanOrEqual(LIMITS.description);
    const shown = description.match(/^\d{3} +vm-/gm)?.length ?? 0;
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(50);
    expect(description).toContain(`rows 1–${shown} of 500 (the page holds 1–200) · next: \`vms --page 2\``);
    expect(out.files).toHaveLength(1);
  });

  it("keeps 25 of 30 fields and names the rest in the note and the file", () => {
    const fields = Array.from({ length: 30 }, (_, i) => ({ label: `field ${i}`, value: `value ${i}` }));
    const out = renderReply({ title: "Many", fields }, signer);
    accepted(out);
    expect(out.embeds[0]!.fields).toHaveLength(LIMITS.fields);
    expect(out.embeds[0]!.description).toBe("… 5 more fields; the full text is attached as `many.txt`");
    expect(out.files![0]!.content).toContain("field 29: value 29");
  });

  it("shortens field values over 1024 characters and keeps the total under 6000", () => {
    const fields = Array.from({ length: 10 }, (_, i) => ({ label: `f${i}`, value: "v".repeat(2000) }));
    const out = renderReply({ title: "Long values", text: "x".repeat(5000), fields }, signer);
    accepted(out);
    for (const f of out.embeds[0]!.fields ?? [])
      expect(f.value.length).toBeLessThanOrEqual(LIMITS.fieldValue);
    expect(out.embeds[0]!.description).toMatch(/text shortened.*attached as `long-values\.txt`$/);
  });

  it("lays 40 buttons out as five rows of five and says how many were left out", () => {
    const buttons = Array.from({ length: 40 }, (_, i) => ({ id: `b:${i}`, label: `Button ${i}` }));
    const out = renderReply(
      { text: "pick", buttons, links: [{ label: "Docs", url: "https://example.org/d" }] },
      signer,
    );
    accepted(out);
    expect(out.components.map((r) => r.components.length)).toEqual([5, 5, 5, 5, 5]);
    expect(out.components[4]!.components.at(-1)).toEqual({
      type: 2,
      style: 5,
      label: "Docs",
      url: "https://example.org/d",
    });
    expect(out.embeds[0]!.footer!.text).toBe("16 more buttons not shown");
  });

  it("carries a long or repeated button id inside the custom id, distinct per button", () => {
    const long = `alert:${"g".repeat(40)}:silence`;
    const out = renderReply(
      {
        buttons: [
          { id: "x:1", label: "a" },
          { id: "x:1", label: "b" },
          { id: long, label: "c" },
        ],
      },
      signer,
    );
    accepted(out);
    const customIds = out.components[0]!.components.map((b) => b.custom_id!);
    expect(new Set(customIds).size).toBe(3);
    const checked = customIds.map((c) => parseCustomId(c)!).map((p) => signer.check(p.actionId, p.value));
    expect(checked).toEqual([
      { ok: true, id: "x:1" },
      { ok: true, id: "x:1" },
      { ok: true, id: long },
    ]);
  });

  it("refuses to render a button id too long for any custom id, naming it", () => {
    expect(() => renderReply({ buttons: [{ id: `x:${"y".repeat(80)}`, label: "a" }] }, signer)).toThrow(
      /Discord can carry at most about \d+/,
    );
  });

  it("pings only the Discord ids mentioned, never @everyone from user data", () => {
    const ana = mention({ platform: "discord", id: "123456789012345678", name: "ana" });
    const out = renderReply({ text: `@everyone look, ${ana}`, context: "@here" }, signer);
    expect(out.content).toBe("<@123456789012345678>");
    expect(out.allowed_mentions).toEqual({ parse: [], users: ["123456789012345678"] });
  });

  it("always produces a message Discord accepts, whatever the reply (property)", () => {
    const text = fc.string({
      maxLength: 7000,
      size: "max",
      unit: fc.constantFrom("a", "`", "\n", " ", "é", "😀", "*", "<"),
    });
    const short = fc.string({ minLength: 1, maxLength: 300 });
    const reply: fc.Arbitrary<Reply> = fc.record(
      {
        title: short,
        text,
        tone: fc.constantFrom("info", "success", "warning", "danger"),
        fields: fc.array(fc.record({ label: short, value: fc.oneof(short, text) }), { maxLength: 40 }),
        table: fc.record(
          {
            columns: fc.array(short, { minLength: 1, maxLength: 6 }),
            rows: fc.array(fc.array(short, { maxLength: 6 }), { maxLength: 300 }),
            page: fc.record({
              number: fc.integer({ min: 1, max: 30 }),
              limit: fc.integer({ min: 1, max: 500 }),
              command: short,
            }),
            footer: short,
          },
          { requiredKeys: ["columns", "rows"] },
        ),
        links: fc.array(
          fc.record({ label: short, url: fc.oneof(fc.webUrl(), fc.string({ maxLength: 40 })) }),
          { maxLength: 30 },
        ),
        context: text,
        code: text,
        progress: fc.record({ fraction: fc.double({ min: -1, max: 2, noNaN: false }), step: short }),
        buttons: fc.array(
          fc.record({
            id: fc.string({ minLength: 1, maxLength: 40 }),
            label: short,
            style: fc.constantFrom("primary", "danger"),
          }),
          { maxLength: 40 },
        ),
        errorCode: fc.constantFrom("E_ARGS", "E_FORBIDDEN"),
        visibility: fc.constantFrom("ephemeral", "channel"),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(reply, (r) => {
        const out = renderReply(r, signer);
        accepted(out);
        expect(out.embeds[0]!.description?.length ?? 0).toBeLessThanOrEqual(LIMITS.description);
        expect(out.components.every((row) => row.components.length <= LIMITS.buttonsPerRow)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});
