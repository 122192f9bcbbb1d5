import { afterEach, describe, expect, it, vi } from "vitest";
import { parseMetadata } from "../../../src/services/templates/build/metadata.js";
import { type Rig, startRig, vmsInRange } from "./rig.js";

let rig: Rig | undefined;
afterEach(async () => {
  rig?.sim.expectSchemaValid();
  await rig?.close();
  rig = undefined;
});

describe("template build on the simulator through a real BullMQ worker", () => {
  it("downloads, creates with import-from, resizes, converts and confirms template: 1", async () => {
    rig = await startRig();
    // The resize runs until its step has reached the card: stages end in the simulator's 20 ms, well
    // inside the card's edit interval, so an unheld resize could be coalesced away.
    const releaseResize = rig.sim.sim.holdTasks("resize");
    const steps = () => rig!.jobs.chat.edits.map((e) => e.reply.progress?.step ?? "");
    const building = rig.build("ubuntu-24.04", {
      node: "pve1",
      cores: 4,
      memory: 4096,
      disk: 16,
      vlan: 20,
    });
    await vi.waitFor(() => expect(steps().some((s) => s.includes("resize"))).toBe(true), {
      timeout: 10_000,
      interval: 10,
    });
    releaseResize();
    const info = await building;
    expect(info?.state).toBe("completed");
    const created = vmsInRange(rig).filter((v) => v.vmid !== 9000 && v.vmid !== 9001);
    expect(created).toHaveLength(1);
    const vm = rig.sim.sim.state.vms.get(created[0]!.vmid)!;
    expect(vm.config.template).toBe(1);
    expect(vm.config.scsihw).toBe("virtio-scsi-single");
    expect(String(vm.config.scsi0)).toMatch(/^local-lvm:base-\d+-disk-0.*size=16G/);
    expect(String(vm.config.net0)).toMatch(/bridge=vmbr0,.*tag=20|bridge=vmbr0,tag=20/);
    expect(vm.config.ipconfig0).toBe("ip=dhcp");
    expect(vm.config.cores).toBe(4);
    expect(String(vm.config.tags).split(";")).toEqual(
      expect.arrayContaining(["chatops-tpl", "tpl-ubuntu-24.04"]),
    );
    const meta = parseMetadata(String(vm.config.description));
    expect(meta?.checksum).toBe(rig.mirror.checksumFor("ubuntu-24.04"));
    expect(meta?.builtBy).toBe("console:alice (Alice)");
    const downloads = rig.sim.sim.requests.filter("POST", /download-url$/);
    expect(downloads).toHaveLength(1);
    expect(downloads[0]?.body).toMatchObject({ content: "import", "checksum-algorithm": "sha256" });
    expect(steps().some((s) => s.includes("resize"))).toBe(true);
  });

  it("answers up to date for an unchanged image, builds again with --force, and reuses the downloaded image", async () => {
    rig = await startRig();
    expect((await rig.build("debian-12", { node: "pve2" }))?.state).toBe("completed");
    const again = await rig.build("debian-12", { node: "pve2" });
    expect(again?.state).toBe("completed");
    const card = rig.jobs.chat.edits.at(-1)?.reply;
    expect(JSON.stringify(card)).toMatch(/up to date: tpl-debian-12-/);
    expect(vmsInRange(rig).filter((v) => v.name.startsWith("tpl-debian-12"))).toHaveLength(1);
    expect((await rig.build("debian-12", { node: "pve2", force: true }))?.state).toBe("completed");
    expect(vmsInRange(rig).filter((v) => v.name.startsWith("tpl-debian-12"))).toHaveLength(2);
    expect(rig.sim.sim.requests.count("POST", /download-url$/)).toBe(1);
  });
});
