/**
 * The simulator's side of provisioning, through the real client: clone rules as qemu-server applies
 * them, cloud-init applied at boot, the agent answering only after the guest has booted, and post-boot
 * commands through agent exec.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ProxmoxTaskError } from "../../src/services/proxmox.js";
import { type SimClient, startSimClient } from "../proxmox/helpers/sim.js";
import { KEY } from "./rig.js";

let s: SimClient | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

async function cloneAndStart(c: SimClient, newid: number, config: Record<string, string>) {
  const { client } = c;
  await client.waitForTask(
    await client.cloneVm("pve1", 9000, { newid, name: `vm${newid}`, pool: "chatops" }),
  );
  await client.updateVmConfig("pve1", newid, config);
  await client.waitForTask(await client.startVm("pve1", newid));
}

describe("simulator: clone, cloud-init, power, agent", () => {
  it("refuses a linked clone on storage that cannot make one, with qemu-server's words", async () => {
    s = await startSimClient({ rootToken: "tests" });
    s.sim.state.storages.get("local-lvm")!.type = "lvm";
    await expect(s.client.cloneVm("pve1", 9000, { newid: 1500, full: false })).rejects.toThrow(
      /Linked clone feature is not supported for 'local-lvm:base-9000-disk-0' \(scsi0\)/,
    );
    expect(s.sim.state.vms.has(1500)).toBe(false);
  });

  it("refuses a clone to another node from local storage, and allows it from shared storage", async () => {
    s = await startSimClient({ rootToken: "tests" });
    await expect(s.client.cloneVm("pve1", 9000, { newid: 1501, target: "pve2" })).rejects.toThrow(
      /can't clone VM to node 'pve2' \(VM uses local storage\)/,
    );
    await s.client.waitForTask(
      await s.client.cloneVm("pve2", 9001, { newid: 1502, target: "pve3", full: false }),
    );
    expect(s.sim.state.vms.get(1502)).toMatchObject({ node: "pve3" });
  });

  it("applies ipconfig0, the user and its URL-encoded keys at boot; the agent answers after the boot delay", async () => {
    s = await startSimClient({ agentStartDelayMs: 300 });
    await cloneAndStart(s, 1503, { ipconfig0: "ip=10.20.0.77/24,gw=10.20.0.1", ciuser: "ops", sshkeys: KEY });
    await expect(s.client.agentNetworkInterfaces("pve1", 1503)).rejects.toThrow(/agent is not running/);
    await new Promise((r) => setTimeout(r, 350));
    const eth0 = (await s.client.agentNetworkInterfaces("pve1", 1503)).find((n) => n.name === "eth0");
    expect(eth0?.addresses).toEqual([{ address: "10.20.0.77", family: "ipv4", prefix: 24 }]);
    const guest = s.sim.state.vms.get(1503)!.guest;
    expect(guest.hostname).toBe("vm1503");
    expect(guest.users?.ops?.sshKeys).toEqual([KEY]);
    // PVE takes sshkeys URL-encoded only: the raw text (spaces) is refused by the schema's format.
    expect(s.sim.validate("PUT", "/nodes/pve1/qemu/1503/config", { sshkeys: KEY }).ok).toBe(false);
    expect(
      s.sim.validate("PUT", "/nodes/pve1/qemu/1503/config", { sshkeys: encodeURIComponent(KEY) }).ok,
    ).toBe(true);
    s.expectSchemaValid();
  });

  it("gives a DHCP lease from ipconfig0 ip=dhcp, runs post-boot commands through exec, and stops", async () => {
    s = await startSimClient();
    await cloneAndStart(s, 1504, { ipconfig0: "ip=dhcp" });
    const eth0 = (await s.client.agentNetworkInterfaces("pve1", 1504)).find((n) => n.name === "eth0");
    expect(eth0?.addresses[0]?.address).toMatch(/^10\.30\.\d+\.\d+$/);
    const pid = await s.client.agentExec("pve1", 1504, ["/bin/sh", "-c", "echo ready; hostname"]);
    let status = await s.client.agentExecStatus("pve1", 1504, pid);
    while (!status.exited) {
      await new Promise((r) => setTimeout(r, 20));
      status = await s.client.agentExecStatus("pve1", 1504, pid);
    }
    expect(status).toMatchObject({ exitcode: 0, outData: "ready\nvm1504\n" });
    await s.client.waitForTask(await s.client.rebootVm("pve1", 1504));
    await s.client.waitForTask(await s.client.stopVm("pve1", 1504));
    await expect(s.client.waitForTask(await s.client.shutdownVm("pve1", 1504))).rejects.toBeInstanceOf(
      ProxmoxTaskError,
    );
  });
});
