import { afterEach, describe, expect, it } from "vitest";
import { updateNodes } from "../../src/commands/update-nodes.js";
import { startUpdateSim, type UpdateSim, updateContext } from "./helpers.js";

let u: UpdateSim | undefined;
afterEach(async () => {
  u?.t.expectSchemaValid();
  await u?.close();
  u = undefined;
});

describe("update nodes", () => {
  it("says which nodes the documented token may not read (PVE wants Sys.Modify for the list)", async () => {
    u = await startUpdateSim();
    const reply = await updateNodes.run(updateContext(u), {});
    expect(reply.tone).toBe("warning");
    expect(reply.table!.rows).toEqual([
      ["pve1", "-", "-", "the bot's token lacks Sys.Modify on /nodes/pve1"],
      ["pve2", "-", "-", "the bot's token lacks Sys.Modify on /nodes/pve2"],
      ["pve3", "-", "-", "the bot's token lacks Sys.Modify on /nodes/pve3"],
    ]);
    expect(u.t.sim.requests.count("POST", /\/apt\/update$/)).toBe(0);
  });

  it("lists each host's pending packages when the token may read them", async () => {
    u = await startUpdateSim();
    u.t.sim.pveum(
      "pveum role add ChatOpsHostUpdates --privs Sys.Modify\nfor who in '--users chatops@pve' '--tokens chatops@pve!bot'; do\n  pveum acl modify /nodes/pve1 $who --roles ChatOpsHostUpdates\ndone",
    );
    const reply = await updateNodes.run(updateContext(u), {});
    const version = (await u.t.client.version()).version;
    expect(reply.table!.rows.filter((r) => r[0] === "pve1")).toEqual([
      ["pve1", "libpve-common-perl", expect.any(String), expect.any(String)],
      ["pve1", "pve-manager", version, expect.any(String)],
    ]);
    expect(reply.text).toMatch(/^2 pending package updates on 1 node; 2 could not be read\./);
  });
});
