/** The shared pieces every renderer cuts with: the page of rows, the width, plain text for dialogs. */
import { describe, expect, it } from "vitest";
import { startsWithIcon, withoutMarkdown } from "../../src/adapters/chat-kit/plain.js";
import { displayWidth, fitTable, MIN_COLUMN } from "../../src/adapters/chat-kit/table.js";
import { pageNote, viewTable } from "../../src/adapters/chat-kit/table-page.js";
import { mention } from "../../src/services/vocabulary/mention.js";

const rows = (n: number) => Array.from({ length: n }, (_, i) => [String(i + 1)]);
const code = (c: string) => `\`${c}\``;

describe("viewTable and pageNote", () => {
  it("shows the asked-for page and names the next page's command", () => {
    const view = viewTable(
      { columns: ["n"], rows: rows(135), page: { number: 2, limit: 20, command: "vms" } },
      { rows: 20, maxRows: 50 },
    );
    expect(view.rows.map((r) => r[0])).toEqual(
      rows(135)
        .slice(20, 40)
        .map((r) => r[0]),
    );
    expect(pageNote(view, code, "`vms.txt`")).toBe(
      "rows 21–40 of 135 · next: `vms --page 3` · every row in `vms.txt`",
    );
  });

  it("the last page has no next; a short table needs no note at all", () => {
    const last = viewTable(
      { columns: ["n"], rows: rows(45), page: { number: 3, limit: 20, command: "vms" } },
      { rows: 20, maxRows: 50 },
    );
    expect(pageNote(last, code, "f")).toBe("rows 41–45 of 45 · every row in f");
    const short = viewTable({ columns: ["n"], rows: rows(5) }, { rows: 20, maxRows: 50 });
    expect(short.omitted).toBe(false);
    expect(pageNote(short, code, "f")).toBeUndefined();
  });

  it("without a page, the platform's own number of rows, and no command to suggest", () => {
    const view = viewTable({ columns: ["n"], rows: rows(30) }, { rows: 20, maxRows: 50 });
    expect(view.rows).toHaveLength(20);
    expect(pageNote(view, code, "f")).toBe("rows 1–20 of 30 · every row in f");
  });

  it("a page larger than the platform holds is cut further, and says what the page holds", () => {
    const view = viewTable(
      { columns: ["n"], rows: rows(500), page: { number: 2, limit: 100, command: "audit --limit 100" } },
      { rows: 20, maxRows: 50 },
    );
    expect(view.rows).toHaveLength(50);
    expect(pageNote(view, code, "f")).toBe(
      "rows 101–150 of 500 (the page holds 101–200) · next: `audit --limit 100 --page 3` · every row in f",
    );
  });

  it("a page past the last one says how many pages there are", () => {
    const view = viewTable(
      { columns: ["n"], rows: rows(45), page: { number: 9, limit: 20, command: "vms" } },
      { rows: 20, maxRows: 50 },
    );
    expect(view.rows).toEqual([]);
    expect(pageNote(view, code, undefined)).toBe(
      "page 9 is past the last page (3) of 45 rows · last page: `vms --page 3`",
    );
  });
});

describe("fitTable", () => {
  const wide = {
    columns: ["vmid", "name", "description"],
    rows: [
      ["100", "a".repeat(50), "b".repeat(70)],
      ["101", "short", "c"],
    ],
  };

  it("is never wider than asked: the widest columns give way first, short ones keep their width", () => {
    const { lines, clipped } = fitTable(wide, { maxWidth: 80 });
    expect(clipped).toBe(true);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(80);
    expect(lines[2]!.startsWith("100   ")).toBe(true);
    expect(lines[2]).toContain("…");
    expect(lines[3]).toContain("short");
  });

  it("leaves a table that fits as it is", () => {
    const { lines, clipped } = fitTable({ columns: ["a", "b"], rows: [["1", "2"]] }, { maxWidth: 80 });
    expect(clipped).toBe(false);
    expect(lines).toEqual(["a  b", "-  -", "1  2"]);
  });

  it("stops at the narrowest useful column when nothing more can give way", () => {
    const many = { columns: Array.from({ length: 20 }, (_, i) => `column${i}`), rows: [] };
    const { lines } = fitTable(many, { maxWidth: 40 });
    expect(lines[1]).toBe(Array(20).fill("-".repeat(MIN_COLUMN)).join("  "));
  });
});

describe("plain text for dialogs and labels", () => {
  it("takes out code, bold, italics and strike-through, and names mentions", () => {
    expect(withoutMarkdown("Delete ``template 9002``?")).toBe("Delete template 9002?");
    expect(withoutMarkdown("*Alice* asks _now_ to ~not~ wait")).toBe("Alice asks now to not wait");
    expect(withoutMarkdown("keep snake_case_names and 2*3")).toBe("keep snake_case_names and 2*3");
    expect(withoutMarkdown("a * b * c and **bold**")).toBe("a * b * c and bold");
    expect(withoutMarkdown(`by ${mention({ platform: "slack", id: "U1", name: "bob" })}`)).toBe("by @bob");
  });

  it("knows a title that already starts with an icon", () => {
    for (const t of ["✅ Built", ":white_check_mark: Built", "⚠️ Careful", "✔ done", "❌ failed"]) {
      expect(startsWithIcon(t), t).toBe(true);
    }
    for (const t of ["Built", "9002 deleted", "(ok)"]) expect(startsWithIcon(t), t).toBe(false);
  });
});
