import { describe, expect, it } from "vitest";
import { Pacer } from "../../src/services/provision/pacer.js";

describe("Pacer", () => {
  it("waits for the time learned last time, measured from the start, then looks again quickly", () => {
    const pacer = new Pacer(1000);
    expect(pacer.delay("boot", 0, 0)).toBe(250);
    pacer.learn("boot", 1500, false);
    expect(pacer.delay("boot", 0, 400)).toBe(1100);
    expect(pacer.delay("boot", 0, 2000)).toBe(0);
    expect([1, 2, 3, 10].map((look) => pacer.delay("boot", look, 0))).toEqual([100, 150, 225, 1000]);
  });

  it("a first-look hit only lowers the estimate; a hit after a miss moves it halfway", () => {
    const pacer = new Pacer(1000);
    pacer.learn("step", 500, false);
    // A guest that had long booted says only "at most 3 s": the estimate must not grow from it.
    pacer.learn("step", 3000, true);
    expect(pacer.delay("step", 0, 0)).toBe(485);
    pacer.learn("step", 885, false);
    expect(pacer.delay("step", 0, 0)).toBe(685);
  });
});
