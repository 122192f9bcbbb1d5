import { afterEach, describe, expect, it } from "vitest";
import type { CommandDefinition } from "../../src/commands/definition.js";
import { vmCreate } from "../../src/commands/vm-create.js";
import { leftovers } from "../templates/build/rig.js";
import { cardText, type ProvisionRig, startProvisionRig } from "./rig.js";

let rig: ProvisionRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const create = vmCreate as CommandDefinition;

async function runCreate(r: ProvisionRig, args: Record<string, unknown>) {
  const reply = await create.run(r.ctx(), args as never);
  if (!reply.jobId) throw new Error(`no job: ${reply.text}`);
  return r.jobs.queue.waitUntilFinished(reply.jobId, 30_000);
}

describe("vm create", () => {
  it("clones, configures cloud-init, grows the disk, starts and reports the IP from the agent", async () => {
    rig = await startProvisionRig();
    const info = await runCreate(rig, {
      name: "web",
      from: "tmpl-debian-12",
      cores: 4,
      memory: "4G",
      disk: "10G",
      ip: "10.20.0.50/24",
      sshKey: ["ops"],
      start: true,
    });
    expect(info?.state).toBe("completed");
    const [vm] = rig.created();
    expect(vm).toMatchObject({ name: "web", node: "pve1", status: "running" });
    expect(vm!.config).toMatchObject({
      cores: 4,
      memory: "4096",
      ipconfig0: "ip=10.20.0.50/24,gw=10.20.0.1",
      agent: "enabled=1",
    });
    expect(String(vm!.config.tags).split(";")).toContain("chatops");
    expect(String(vm!.config.tags).split(";")).not.toContain("tmpl");
    expect(String(vm!.config.scsi0)).toMatch(/size=10G/);
    expect(decodeURIComponent(String(vm!.config.sshkeys))).toContain("ssh-ed25519");
    // A full clone by default: its own volume, no base volume of the template.
    expect(String(vm!.config.scsi0)).toMatch(/^local-lvm:vm-\d+-disk-0,/);
    expect(rig.sim.sim.state.vms.get(vm!.vmid)!.pool).toBe("chatops");
    expect(cardText(rig.finalCard())).toContain("10.20.0.50");
    expect(await leftovers(rig)).toEqual([]);
    rig.sim.expectSchemaValid();
  });

  it("makes name-1…name-N as one job across nodes from a template on shared storage", async () => {
    rig = await startProvisionRig();
    await rig.sim.sim.pveum(
      "pveum acl modify /storage/nfs-shared --tokens 'chatops@pve!bot' --roles ChatOpsDisks\n" +
        "pveum acl modify /storage/nfs-shared --users chatops@pve --roles ChatOpsDisks",
    );
    const info = await runCreate(rig, {
      name: "k3s",
      from: "9001",
      node: ["pve1", "pve2", "pve3"],
      count: 3,
      linked: true,
      ip: "dhcp",
      start: true,
    });
    expect(info?.state).toBe("completed");
    const vms = rig.created();
    expect(vms.map((v) => [v.name, v.node])).toEqual([
      ["k3s-1", "pve1"],
      ["k3s-2", "pve2"],
      ["k3s-3", "pve3"],
    ]);
    for (const vm of vms) expect(String(vm.config.scsi0)).toMatch(/base-9001-disk-0\.qcow2\//);
    expect(cardText(rig.finalCard())).toMatch(/k3s-3 \(\d+\) on pve3: 10\.30\./);
  });

  it("refuses a clone to another node when the template's storage is local, before any write", async () => {
    rig = await startProvisionRig();
    await expect(create.run(rig.ctx(), { name: "x", from: "9000", node: ["pve2"] } as never)).rejects.toThrow(
      /local to pve1.*shared storage/,
    );
    expect(rig.sim.sim.requests.entries.filter((e) => e.method !== "GET")).toEqual([]);
  });

  it("refuses a linked clone on storage that cannot make one, naming it", async () => {
    rig = await startProvisionRig();
    rig.sim.sim.state.storages.get("local-lvm")!.type = "lvm";
    await expect(create.run(rig.ctx(), { name: "x", from: "9000", linked: true } as never)).rejects.toThrow(
      /storage local-lvm \(lvm\) cannot make linked clones/,
    );
  });

  it.each([
    [{ name: "bad_name", from: "9000" }, /invalid VM name/],
    [{ name: "x", from: "9000", ip: "192.168.1.5/24" }, /outside the configured networks/],
    [{ name: "x", from: "9000", ip: "10.20.0.253/24", count: 3 }, /runs past the end/],
    [{ name: "x", from: "9000", memory: "4X" }, /--memory 4X/],
    [{ name: "x", from: "9000", profile: "nope" }, /unknown profile "nope"/],
    [{ name: "x", from: "9000", sshKey: ["nobody"] }, /unknown ssh key "nobody"/],
    [{ name: "x", from: "9000", count: 51 }, /provision.maxCount/],
  ])("refuses %j before any request", async (args, message) => {
    rig = await startProvisionRig();
    const before = rig.sim.sim.requests.entries.length;
    await expect(create.run(rig.ctx(), args as never)).rejects.toThrow(message);
    expect(rig.sim.sim.requests.entries.length).toBe(before);
  });

  it.each([
    [{ name: "x", from: "tmpl-nothing" }, /no template tmpl-nothing/],
    [{ name: "x", from: "9000", disk: "2G" }, /smaller than template tmpl-debian-12's disk \(3G\)/],
    [{ name: "x", from: "102" }, /is not a template/],
  ])("refuses %j without any write", async (args, message) => {
    rig = await startProvisionRig();
    await expect(create.run(rig.ctx(), args as never)).rejects.toThrow(message);
    expect(rig.sim.sim.requests.entries.filter((e) => e.method !== "GET")).toEqual([]);
  });
});
