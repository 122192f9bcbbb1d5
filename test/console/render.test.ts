import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  formatMessage,
  MAX_CELL_WIDTH,
  renderProgress,
  renderReply,
  sanitize,
} from "../../src/adapters/console/render.js";
import { optionsOf, RENDER_CASES } from "./render-cases.js";

const expected = (name: string) => readFileSync(new URL(`./expected/${name}.txt`, import.meta.url), "utf8");
const stripAnsi = (s: string) => s.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g"), "");

describe("console renderer: saved expected output", () => {
  for (const c of RENDER_CASES) {
    it(c.name, async () => {
      await expect(formatMessage(c.header, c.reply, optionsOf(c, false))).toMatchFileSnapshot(
        `./expected/${c.name}.txt`,
      );
    });
  }

  it("colour mode adds ANSI codes but the same text and widths", () => {
    for (const c of RENDER_CASES) {
      const coloured = formatMessage(c.header, c.reply, optionsOf(c, true));
      expect(stripAnsi(coloured)).toBe(expected(c.name));
    }
    const card = RENDER_CASES.find((c) => c.name === "approval-buttons")!;
    const coloured = formatMessage(card.header, card.reply, { color: true });
    expect(coloured).toContain("\u001b[31mDeny\u001b[0m");
    expect(coloured).toContain("\u001b[32mApprove\u001b[0m");
  });

  it("plain mode never emits an escape character", () => {
    for (const c of RENDER_CASES)
      expect(formatMessage(c.header, c.reply, optionsOf(c, false))).not.toContain("\u001b");
  });
});

describe("console renderer: details", () => {
  it("progress bar rounds down and clamps", () => {
    expect(renderProgress({ fraction: 0, step: "queued" })).toBe("[..........] 0% queued");
    expect(renderProgress({ fraction: 0.999, step: "almost" })).toBe("[#########.] 99% almost");
    expect(renderProgress({ fraction: -3, step: "" })).toBe("[..........] 0%");
    expect(renderProgress({ fraction: Number.NaN, step: "x" })).toBe("[..........] 0% x");
    expect(renderProgress({ fraction: 0.3, step: "two\nlines" })).toBe("[###.......] 30% two lines");
  });

  it("removes colour, cursor and title escapes and bare control characters", () => {
    const hostile = "ok\u001b[2J\u001b[H done\u001b]0;pwned\u0007 \u0008x\r\nnext\u009b";
    expect(sanitize(hostile)).toBe("ok done x\nnext");
    expect(sanitize("a\tb")).toBe("a  b");
  });

  it("cuts long table cells to the limit with an ellipsis", () => {
    const long = "x".repeat(MAX_CELL_WIDTH + 20);
    const lines = renderReply({ table: { columns: ["name"], rows: [[long]] } });
    expect(lines[2]).toBe(`${"x".repeat(MAX_CELL_WIDTH - 1)}…`);
  });

  it("pads short rows and shows cells of extra columns", () => {
    const lines = renderReply({ table: { columns: ["a", "b"], rows: [["1"], ["2", "3", "4"]] } });
    expect(lines).toEqual(["a  b", "-  -  -", "1", "2  3  4"]);
  });

  it("puts the error code on the head line even without a tone", () => {
    expect(renderReply({ title: "Refused", errorCode: "E_CHANNEL" })).toEqual(["Refused (E_CHANNEL)"]);
  });
});
