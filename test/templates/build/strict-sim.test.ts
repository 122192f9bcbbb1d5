/**
 * Template builds against the simulator as strict as PVE, with the token docs/PROXMOX.md sets up:
 * the build succeeds on 9.1 and 8.4, the simulator refuses its create without `pool`, and what the
 * image server delivers (a wrong checksum, another format) fails the download task and leaves nothing.
 */
import { afterEach, describe, expect, it } from "vitest";
import { call, documentedAuth } from "../../sim/client.js";
import { type Rig, startRig, vmsInRange } from "./rig.js";

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const importVolumes = (r: Rig) =>
  r.sim.sim.state.volumes.filter((v) => v.content === "import" && v.source !== undefined).map((v) => v.volid);

describe("template builds with the documented least-privilege token", () => {
  for (const pveVersion of ["9.1", "8.4"] as const) {
    it(`builds on PVE ${pveVersion}, and the simulator refuses the same create without pool`, async () => {
      rig = await startRig({ sim: { pveVersion } });
      expect(rig.sim.sim.tokenId).toBe("chatops@pve!bot");
      const info = await rig.build("debian-12", { node: "pve1" });
      expect(info?.state).toBe("completed");
      const built = vmsInRange(rig).filter((v) => v.vmid > 9001);
      expect(built).toHaveLength(1);
      expect(built[0]!.template).toBe(true);
      expect(rig.sim.sim.state.vms.get(built[0]!.vmid)?.pool).toBe("chatops");

      const [create] = rig.sim.sim.requests.filter("POST", "/nodes/pve1/qemu");
      expect(create?.status).toBe(200);
      const { pool, ...withoutPool } = create!.body as Record<string, unknown>;
      expect(pool).toBe("chatops");
      const refused = await call(
        rig.sim.sim,
        "POST",
        "/nodes/pve1/qemu",
        {
          ...withoutPool,
          vmid: 9003,
        },
        { auth: documentedAuth(rig.sim.sim) },
      );
      expect([refused.status, refused.statusText, refused.json?.errors]).toEqual([
        403,
        "Permission check failed",
        undefined,
      ]);
      // The same request with its pool passes: the pool alone made the difference.
      const accepted = await call(
        rig.sim.sim,
        "POST",
        "/nodes/pve1/qemu",
        { ...withoutPool, vmid: 9003, pool },
        { auth: documentedAuth(rig.sim.sim) },
      );
      expect(accepted.status).toBe(200);
      rig.sim.expectSchemaValid();
    });
  }

  it("fails the download task on a wrong checksum line and leaves nothing", async () => {
    rig = await startRig();
    rig.mirror.setChecksum("debian-12", "0".repeat(128));
    const info = await rig.build("debian-12", { node: "pve1" });
    expect(info?.state).toBe("failed");
    const card = rig.jobs.chat.edits.at(-1)?.reply;
    expect(card?.code ?? "").toMatch(/TASK ERROR: checksum mismatch: got '[0-9a-f]{128}' != expect '0{20}/);
    expect(importVolumes(rig)).toEqual([]);
    expect(vmsInRange(rig).map((v) => v.vmid)).toEqual([9000, 9001]);
  });

  it("fails with qemu-img's message when the file is not in the catalog entry's format", async () => {
    rig = await startRig();
    rig.mirror.serveFormat("debian-12", "raw");
    const info = await rig.build("debian-12", { node: "pve1" });
    expect(info?.state).toBe("failed");
    const card = rig.jobs.chat.edits.at(-1)?.reply;
    expect(card?.code ?? "").toMatch(
      /TASK ERROR: failed to verify file: qemu-img: Could not open '\/var\/lib\/vz\/import\/debian-12-[0-9a-f]{12}\.qcow2\.tmp_dwnl\.\d+': Image is not in qcow2 format/,
    );
    expect(importVolumes(rig)).toEqual([]);
    expect(vmsInRange(rig).map((v) => v.vmid)).toEqual([9000, 9001]);
  });
});
