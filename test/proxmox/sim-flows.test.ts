import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { nodesReport } from "../../src/services/inventory/nodes.js";
import { storageReport } from "../../src/services/inventory/storage.js";
import { taskReport } from "../../src/services/inventory/task.js";
import { vmReport } from "../../src/services/inventory/vm.js";
import { vmsReport } from "../../src/services/inventory/vms.js";
import { qcow2Image } from "../../src/sim/mirror/images.js";
import { digestOf } from "../../src/sim/mirror/render.js";
import { type SimClient, startSimClient } from "./helpers/sim.js";

let t: SimClient | undefined;
afterEach(async () => {
  t?.expectSchemaValid();
  await t?.close();
  t = undefined;
});

const KEYS = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ops@example\n";

describe("the template build calls, end to end on the simulator", () => {
  it("download, create with import-from and cloud-init, resize, template, clone, agent exec, destroy", async () => {
    t = await startSimClient({ pveVersion: "9.1" });
    const px = t.client;
    const filename = "noble-server-cloudimg-amd64.qcow2";
    // PVE fetches the URL: a local server plays cloud-images.ubuntu.com.
    const image = qcow2Image({ virtualSize: 3.5 * 1024 ** 3, note: "noble" });
    const images = createServer((_req, res) => res.end(image));
    await new Promise<void>((resolve) => images.listen(0, "127.0.0.1", resolve));
    try {
      await px.waitForTask(
        await px.downloadUrl("pve1", "local", {
          url: `http://127.0.0.1:${(images.address() as AddressInfo).port}/noble-server-cloudimg-amd64.img`,
          filename,
          content: "import",
          checksum: digestOf("sha256", image),
          checksumAlgorithm: "sha256",
        }),
      );
    } finally {
      images.close();
    }
    expect((await px.storageContent("pve1", "local", { content: "import" })).map((v) => v.volid)).toContain(
      `local:import/${filename}`,
    );
    const vmid = await px.nextVmid();
    await px.waitForTask(
      await px.createVm("pve1", {
        vmid,
        name: "tpl-noble",
        memoryMiB: 2048,
        cores: 2,
        pool: "chatops",
        sshKeys: KEYS,
        extra: {
          scsihw: "virtio-scsi-single",
          scsi0: `local-lvm:0,import-from=local:import/${filename},discard=on`,
          ide2: "local-lvm:cloudinit",
          net0: "virtio,bridge=vmbr0",
          serial0: "socket",
          vga: "serial0",
          agent: "enabled=1",
          boot: "order=scsi0",
          ciuser: "ops",
          ipconfig0: "ip=dhcp",
          ostype: "l26",
        },
      }),
    );
    const config = await px.vmConfig("pve1", vmid);
    expect(config.name).toBe("tpl-noble");
    expect(decodeURIComponent(String(config.sshkeys))).toBe(KEYS);
    await px.waitForTask(await px.resizeDisk("pve1", vmid, "scsi0", "+2G"));
    await px.waitForTask(await px.convertToTemplate("pve1", vmid));
    expect((await px.vmStatus("pve1", vmid)).template).toBe(true);

    const clone = vmid + 1;
    await px.waitForTask(
      await px.cloneVm("pve1", vmid, { newid: clone, name: "web-test", full: true, pool: "chatops" }),
    );
    await px.waitForTask(await px.startVm("pve1", clone));
    await px.agentPing("pve1", clone);
    const pid = await px.agentExec("pve1", clone, ["/bin/sh", "-c", "echo hello"]);
    let status = await px.agentExecStatus("pve1", clone, pid);
    for (let i = 0; i < 50 && !status.exited; i++) {
      await new Promise((r) => setTimeout(r, 20));
      status = await px.agentExecStatus("pve1", clone, pid);
    }
    expect(status.exited).toBe(true);
    expect(status.exitcode).toBe(0);
    expect((await px.agentNetworkInterfaces("pve1", clone)).length).toBeGreaterThan(0);
    await px.waitForTask(await px.stopVm("pve1", clone));
    await px.waitForTask(await px.destroyVm("pve1", clone, { purge: true, destroyUnreferencedDisks: true }));
    await px.waitForTask(await px.destroyVm("pve1", vmid, { purge: true }));
    expect(t.sim.state.vms.has(vmid)).toBe(false);
    expect(t.sim.state.vms.has(clone)).toBe(false);
  });

  it("converting a VM with snapshots to a template is refused with PVE's message", async () => {
    t = await startSimClient();
    const px = t.client;
    await px.waitForTask(await px.createSnapshot("pve2", 102, { name: "base" }));
    const err = await px.convertToTemplate("pve2", 102).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "E_PVE" });
    expect((err as Error).message).toContain("unable to create template, because VM contains snapshots");
  });
});

describe("PVE 8.4", () => {
  it("is supported, and the same calls pass the 8.4 schema", async () => {
    t = await startSimClient({ pveVersion: "8.4", rootToken: "client-tests" });
    expect(await t.client.gate.readiness()).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/^Proxmox VE 8\.4/),
    });
    await t.client.waitForTask(await t.client.createSnapshot("pve1", 100, { name: "pre" }));
    expect((await t.client.listSnapshots("pve1", 100)).map((s) => s.name)).toContain("pre");
  });
});

describe("inventory on the seeded cluster", () => {
  it("nodes, vms with filters, one vm, storage and a task", async () => {
    // docs/PROXMOX.md's read-only setup sees the whole cluster.
    t = await startSimClient({ access: "read-only" });
    const px = t.client;

    const nodes = await nodesReport(px);
    expect(nodes.title).toBe("Nodes (3)");
    expect(nodes.table?.rows.map((r) => [r[0], r[1], r[5]])).toEqual([
      ["pve1", "online", "9.1.5"],
      ["pve2", "online", "9.1.5"],
      ["pve3", "online", "9.1.5"],
    ]);

    const all = await vmsReport(px, {});
    expect(all.title).toBe("VMs (5)");
    expect(all.table?.rows.map((r) => r[1])).toEqual(["web01", "db01", "build01", "edge01", "mail01"]);
    const prod = await vmsReport(px, { tag: "prod", status: "running" });
    expect(prod.title).toBe("VMs tagged prod, running (2)");
    expect((await vmsReport(px, { node: "pve2" })).table?.rows.map((r) => r[0])).toEqual(["102", "104"]);
    const templates = await vmsReport(px, { templates: true });
    expect(templates.table?.rows.every((r) => r[7]?.includes("tmpl"))).toBe(true);
    expect(await vmsReport(px, { pool: "nosuchpool" })).toEqual({
      text: "No vms in pool nosuchpool.",
      tone: "info",
    });

    // Someone else's task: the read-only token reads it through Sys.Audit.
    const admin = t.sim.addToken({ tokenId: "root@pam!task-maker", privsep: false });
    const upid = await t
      .clientFor(admin.tokenId, admin.secret)
      .createSnapshot("pve1", 100, { name: "pre-update", description: "before apt" });
    await px.waitForTask(upid);
    const vm = await vmReport(px, "web01");
    expect(vm.title).toBe("VM 100 web01");
    expect(vm.fields?.find((f) => f.label === "Tags")?.value).toBe("prod, web");
    expect(vm.table?.rows[0]?.[0]).toBe("pre-update");
    await expect(vmReport(px, "nosuchvm")).rejects.toMatchObject({ code: "E_NOT_FOUND" });

    const storage = await storageReport(px, "pve1");
    expect(storage.table?.rows.map((r) => r[0])).toEqual(["local", "local-lvm", "nfs-shared"]);
    await expect(storageReport(px, "pve9")).rejects.toThrow("no node named pve9; nodes: pve1, pve2, pve3");

    const task = await taskReport(px, upid);
    expect(task.title).toBe("Task qmsnapshot 100 on pve1");
    expect(task.fields?.[0]).toEqual({ label: "Status", value: "finished OK" });
    expect(task.code?.split("\n").at(-1)).toBe("TASK OK");
  });
});
