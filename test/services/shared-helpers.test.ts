/** The one copy of each small helper: backoff, edit distance, UTC time. */
import { describe, expect, it } from "vitest";
import { reconnectDelay } from "../../src/adapters/store/redis.js";
import { doublingDelay } from "../../src/services/backoff.js";
import { editDistance } from "../../src/services/edit-distance.js";
import { formatUtc } from "../../src/services/format.js";

describe("doublingDelay", () => {
  it("doubles from the first pause and stops at the cap", () => {
    expect([1, 2, 3, 4].map((n) => doublingDelay(250, n))).toEqual([250, 500, 1000, 2000]);
    expect([1, 5, 6, 100].map((n) => doublingDelay(100, n, 2000))).toEqual([100, 1600, 2000, 2000]);
    expect(Number.isFinite(doublingDelay(1000, 10_000))).toBe(true);
  });

  it("is what Redis reconnects wait", () => {
    expect([1, 2, 7, 50].map((n) => reconnectDelay(n))).toEqual([100, 200, 5000, 5000]);
  });
});

describe("editDistance", () => {
  it("counts an adjacent swap as one edit", () => {
    expect(editDistance("prot", "port")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("kitten", "sitting")).toBe(3);
  });
});

describe("formatUtc", () => {
  it("writes minutes by default and seconds on request, always in UTC", () => {
    const at = Date.UTC(2026, 10, 26, 4, 12, 3);
    expect(formatUtc(at)).toBe("2026-11-26 04:12 UTC");
    expect(formatUtc(at, "second")).toBe("2026-11-26 04:12:03 UTC");
  });
});
