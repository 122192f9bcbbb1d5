/**
 * One text table for every chat adapter, aligned by display width: an emoji or a CJK character takes two
 * columns, a combining mark none. Checked on the shared renderer and on both adapters that use it.
 */
import { describe, expect, it } from "vitest";
import { clipToWidth, displayWidth, tableLines } from "../../src/adapters/chat-kit/table.js";
import { renderTable } from "../../src/adapters/console/render.js";
import { slackTableLines } from "../../src/adapters/slack/plaintext.js";
import type { ReplyTable } from "../../src/services/vocabulary/reply.js";

const table: ReplyTable = {
  columns: ["name", "state", "note"],
  rows: [
    ["web", "✅ ok", "plain"],
    ["数据库", "🔥 hot", "wide"],
    ["cafe\u0301", "ok", "combining"],
  ],
};

/** Where the third column starts on each line, in display columns. */
function thirdColumnStarts(lines: readonly string[]): number[] {
  return lines.map((line) => {
    const cells = line.split(/ {2,}/);
    return displayWidth(line.slice(0, line.lastIndexOf(cells[2]!)));
  });
}

describe("tableLines", () => {
  it("aligns emoji, CJK and combining marks by the columns they take on screen", () => {
    const lines = tableLines(table);
    expect(lines).toEqual([
      "name    state   note",
      "------  ------  ---------",
      "web     ✅ ok   plain",
      "数据库  🔥 hot  wide",
      "cafe\u0301    ok      combining",
    ]);
    const body = [lines[0]!, ...lines.slice(2)];
    expect(new Set(thirdColumnStarts(body))).toEqual(new Set([16]));
  });

  it("gives short rows empty cells and never ends a line in spaces", () => {
    const lines = tableLines({ columns: ["a", "b"], rows: [["x"], ["y", "z", "extra"]] });
    expect(lines).toEqual(["a  b", "-  -  -----", "x", "y  z  extra"]);
  });
});

describe("clipToWidth", () => {
  it("cuts by columns, keeps graphemes whole and marks the cut", () => {
    expect(clipToWidth("abcdef", 4)).toBe("abc…");
    expect(clipToWidth("abcd", 4)).toBe("abcd");
    expect(clipToWidth("数据库服务器", 6)).toBe("数据…");
    expect(clipToWidth("👨‍👩‍👧👨‍👩‍👧👨‍👩‍👧", 5)).toBe("👨‍👩‍👧👨‍👩‍👧…");
    expect(displayWidth(clipToWidth("数据库服务器", 6))).toBeLessThanOrEqual(6);
  });
});

describe("the adapters share it", () => {
  it("the console aligns wide cells", () => {
    expect(thirdColumnStarts(renderTable(table).filter((l) => !l.startsWith("-")))).toEqual([16, 16, 16, 16]);
  });

  it("a Slack code block aligns wide cells", () => {
    expect(thirdColumnStarts(slackTableLines(table).filter((l) => !l.startsWith("-")))).toEqual([
      16, 16, 16, 16,
    ]);
  });
});
