import { describe, expect, it } from "vitest";
import { supportsImport } from "../../../src/services/templates/build/preflight.js";
import { startRig } from "./rig.js";

describe("the PVE version check", () => {
  it("accepts 8.4 and later, refuses older releases and unparsable ones", () => {
    expect(["8.4", "8.10", "9.0", "9.1", "10.0"].map(supportsImport)).toEqual([true, true, true, true, true]);
    expect(["8.3", "8.0", "7.4", "", "nine"].map(supportsImport)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it("builds against the simulator in PVE 8.4 mode with every request valid for the 8.4 schema", async () => {
    const rig = await startRig({ sim: { pveVersion: "8.4" } });
    try {
      expect((await rig.build("rocky-9", { node: "pve1" }))?.state).toBe("completed");
      rig.sim.expectSchemaValid();
    } finally {
      await rig.close();
    }
  });
});
