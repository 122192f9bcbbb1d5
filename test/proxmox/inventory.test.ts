import { describe, expect, it } from "vitest";
import {
  formatBytes,
  formatEpoch,
  formatPercent,
  formatUptime,
  formatUsage,
} from "../../src/services/inventory/format.js";
import { pveVersionOf } from "../../src/services/inventory/nodes.js";
import { storageReply } from "../../src/services/inventory/storage.js";
import { taskOutcome, taskReply } from "../../src/services/inventory/task.js";
import { findGuest, summarizeDisks, summarizeNetworks, vmReply } from "../../src/services/inventory/vm.js";
import { filterGuests, guestsReply } from "../../src/services/inventory/vms.js";
import type { GuestResource, StorageResource, TaskStatus } from "../../src/services/proxmox.js";
import { checkSnapshotName, parseUpid, parseVmid } from "../../src/services/pve/ids.js";

const GiB = 1024 ** 3;

function guest(vmid: number, extra: Partial<GuestResource> = {}): GuestResource {
  return {
    type: "qemu",
    vmid,
    node: "pve1",
    name: `vm${vmid}`,
    status: "running",
    template: false,
    tags: [],
    ...extra,
  };
}

describe("formatting", () => {
  it("formats sizes, percentages, uptimes and times the way the PVE GUI does", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1.5 * GiB)).toBe("1.5 GiB");
    expect(formatBytes(12 * GiB)).toBe("12 GiB");
    expect(formatBytes(undefined)).toBe("?");
    expect(formatPercent(0.374)).toBe("37%");
    expect(formatUsage(2 * GiB, 16 * GiB)).toBe("2.0 GiB / 16 GiB (13%)");
    expect(formatUsage(1, 0)).toBe("?");
    expect(formatUptime(59)).toBe("59s");
    expect(formatUptime(3 * 3600 + 5 * 60)).toBe("3h 5m");
    expect(formatUptime(12 * 86400 + 4 * 3600)).toBe("12d 4h");
    expect(formatUptime(0)).toBe("-");
    expect(formatEpoch(1_746_387_166)).toBe("2025-05-04 19:32 UTC");
    expect(pveVersionOf("pve-manager/9.1.5/0123abcd")).toBe("9.1.5");
    expect(pveVersionOf(undefined)).toBe("?");
  });
});

describe("ids typed in chat", () => {
  it("parses VM ids strictly", () => {
    expect(parseVmid("100")).toBe(100);
    for (const bad of ["99", "0100", "1e3", "100.0", " 100", "-100", "1000000000"]) {
      expect(() => parseVmid(bad)).toThrow(/invalid VM id/);
    }
  });

  it("refuses reserved and malformed snapshot names", () => {
    expect(checkSnapshotName("pre-update_1")).toBe("pre-update_1");
    expect(() => checkSnapshotName("current")).toThrow(/reserved/);
    expect(() => checkSnapshotName("pre.update")).toThrow(/invalid snapshot name/);
    expect(() => checkSnapshotName("a".repeat(41))).toThrow(/2 to 40/);
  });

  it("reads node, type, id and user out of a UPID", () => {
    expect(parseUpid("UPID:pve1:000A1B2C:0123ABCD:6817C0DE:qmclone:9000:chatops@pve!bot:")).toEqual({
      upid: "UPID:pve1:000A1B2C:0123ABCD:6817C0DE:qmclone:9000:chatops@pve!bot:",
      node: "pve1",
      starttime: 0x6817c0de,
      type: "qmclone",
      id: "9000",
      user: "chatops@pve!bot",
    });
    expect(parseUpid("UPID:pve:00000001:000000001:00000003:aptupdate::root@pam:").id).toBe("");
  });
});

describe("vms", () => {
  const all = [
    guest(102, { node: "pve2", tags: ["web", "prod"], pool: "chatops" }),
    guest(100, { tags: ["Web"] }),
    guest(101, { status: "stopped" }),
    guest(9000, { template: true, status: "stopped", name: "tpl-noble" }),
    guest(200, { type: "lxc", name: "dns" }),
  ];

  it("filters by node, tag (any case), pool, status and template flag, sorted by id", () => {
    expect(filterGuests(all, {}).map((g) => g.vmid)).toEqual([100, 101, 102, 200]);
    expect(filterGuests(all, { node: "pve2" }).map((g) => g.vmid)).toEqual([102]);
    expect(filterGuests(all, { tag: "web" }).map((g) => g.vmid)).toEqual([100, 102]);
    expect(filterGuests(all, { pool: "chatops" }).map((g) => g.vmid)).toEqual([102]);
    expect(filterGuests(all, { status: "stopped" }).map((g) => g.vmid)).toEqual([101]);
    expect(filterGuests(all, { templates: true }).map((g) => g.vmid)).toEqual([9000]);
  });

  it("renders a table with a summary line, and an empty result in words", () => {
    const r = guestsReply(all, { tag: "web" });
    expect(r.title).toBe("VMs tagged web (2)");
    expect(r.text).toBe("2 running, 0 not running.");
    expect(r.table?.columns).toEqual(["VMID", "Name", "Node", "Status", "CPU", "Memory", "Uptime", "Tags"]);
    expect(r.table?.rows[1]?.slice(0, 3)).toEqual(["102", "vm102", "pve2"]);
    expect(guestsReply(all, { node: "pve9" })).toEqual({ text: "No vms on pve9.", tone: "info" });
    expect(guestsReply(all, {}).table?.rows[3]?.[1]).toBe("dns (CT)");
  });

  it("keeps every guest of a large cluster: the renderer cuts, the attached file holds them all", () => {
    const many = Array.from({ length: 45 }, (_, i) => guest(100 + i));
    const r = guestsReply(many, {});
    expect(r.table?.rows.map((row) => row[0])).toEqual(many.map((g) => String(g.vmid)));
    expect(r.table?.footer).toBeUndefined();
  });
});

describe("vm", () => {
  const guests = [
    guest(100, { name: "web" }),
    guest(101, { name: "db" }),
    guest(205, { name: "db", node: "pve2" }),
  ];

  it("finds a VM by id or unique name, and refuses ambiguous or unknown ones", () => {
    expect(findGuest(guests, "100").vmid).toBe(100);
    expect(findGuest(guests, "WEB").vmid).toBe(100);
    expect(() => findGuest(guests, "db")).toThrow(
      "2 VMs are named db: 101 (pve1), 205 (pve2); give the VM id instead",
    );
    expect(() => findGuest(guests, "999")).toThrow(/no VM 999/);
    expect(() => findGuest(guests, "nope")).toThrow(/no VM named nope/);
    expect(() => findGuest(guests, "../x")).toThrow(/invalid VM reference/);
  });

  it("summarizes config, status and snapshots", () => {
    const config = {
      name: "web",
      cores: 2,
      sockets: 1,
      memory: "2048",
      scsi0: "local-lvm:vm-100-disk-0,discard=on,size=32G",
      ide2: "local-lvm:vm-100-cloudinit,media=cdrom",
      net0: "virtio=BC:24:11:00:00:01,bridge=vmbr0,tag=20",
      agent: "enabled=1",
      tags: "prod;web",
      lock: "snapshot",
    };
    expect(summarizeDisks(config)).toBe("ide2 cloud-init, scsi0 32G on local-lvm");
    expect(summarizeNetworks(config)).toBe("net0 vmbr0 vlan 20 (virtio)");
    const r = vmReply(
      guests[0]!,
      config,
      {
        vmid: 100,
        status: "running",
        uptime: 7200,
        mem: GiB,
        cpu: 0.05,
        template: false,
        agent: true,
        tags: [],
      },
      [
        { name: "before", description: "pre update", snaptime: 1_746_000_000, vmstate: false },
        { name: "later", description: "", snaptime: 1_746_100_000, vmstate: true, parent: "before" },
        { name: "current", description: "You are here!", vmstate: false },
      ],
    );
    expect(r.title).toBe("VM 100 web");
    expect(r.tone).toBe("warning");
    expect(Object.fromEntries(r.fields!.map((f) => [f.label, f.value]))).toEqual({
      Node: "pve1",
      Status: "running for 2h 0m",
      Lock: "snapshot",
      CPU: "1 socket × 2 cores",
      Memory: "2.0 GiB, 1.0 GiB in use, CPU 5%",
      Disks: "ide2 cloud-init, scsi0 32G on local-lvm",
      Network: "net0 vmbr0 vlan 20 (virtio)",
      "Guest agent": "enabled",
      Tags: "prod, web",
    });
    expect(r.text).toBe("2 snapshots, newest first:");
    expect(r.table?.rows.map((row) => row[0])).toEqual(["later", "before"]);
  });
});

describe("task", () => {
  const base: TaskStatus = {
    upid: "UPID:pve1:0000A1B2:0123ABCD:6817C0DE:qmsnapshot:100:chatops@pve!bot:",
    node: "pve1",
    type: "qmsnapshot",
    id: "100",
    user: "chatops@pve",
    status: "stopped",
    starttime: 0x6817c0de,
  };

  it("reads OK, WARNINGS and errors", () => {
    expect(taskOutcome({ ...base, status: "running" })).toEqual({ text: "running", tone: "info" });
    expect(taskOutcome({ ...base, exitstatus: "OK" }).tone).toBe("success");
    expect(taskOutcome({ ...base, exitstatus: "WARNINGS: 3" })).toEqual({
      text: "finished with warnings: 3",
      tone: "warning",
    });
    expect(taskOutcome({ ...base, exitstatus: "snapshot name 'pre' already used" })).toEqual({
      text: "failed: snapshot name 'pre' already used",
      tone: "danger",
    });
  });

  it("shows the task and the tail of its log", () => {
    const r = taskReply({ ...base, exitstatus: "OK" }, { lines: ["saving VM state", "TASK OK"], total: 40 });
    expect(r.title).toBe("Task qmsnapshot 100 on pve1");
    expect(r.fields).toEqual([
      { label: "Status", value: "finished OK" },
      { label: "Started", value: "2025-05-04 19:32 UTC" },
      { label: "By", value: "chatops@pve!bot" },
    ]);
    expect(r.text).toBe("Last 2 of 40 log lines:");
    expect(r.code).toBe("saving VM state\nTASK OK");
  });
});

describe("storage", () => {
  const s = (storage: string, node: string, disk: number, maxdisk: number): StorageResource => ({
    type: "storage",
    storage,
    node,
    status: "available",
    content: ["images", "rootdir"],
    plugintype: "lvmthin",
    shared: false,
    disk,
    maxdisk,
  });

  it("lists usage and content, warns about nearly full storage, and refuses unknown nodes", () => {
    const all = [s("local-lvm", "pve2", 95 * GiB, 100 * GiB), s("local-lvm", "pve1", 10 * GiB, 100 * GiB)];
    const r = storageReply(all, ["pve1", "pve2"]);
    expect(r.tone).toBe("warning");
    expect(r.text).toBe("Nearly full: local-lvm on pve2 (95%).");
    expect(r.table?.rows[0]).toEqual([
      "local-lvm",
      "pve1",
      "lvmthin",
      "available",
      "10 GiB / 100 GiB (10%)",
      "images, rootdir",
    ]);
    expect(storageReply(all, ["pve1", "pve2"], "pve1").table?.rows).toHaveLength(1);
    expect(() => storageReply(all, ["pve1", "pve2"], "pve7")).toThrow(
      "no node named pve7; nodes: pve1, pve2",
    );
  });
});
