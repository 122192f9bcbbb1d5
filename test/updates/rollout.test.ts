/** The rollout's order and limits, with a stand-in for one VM's update that only records timing. */
import { describe, expect, it } from "vitest";
import { rolloutOptionsSchema } from "../../src/services/updates/config.js";
import { rolloutGroups, runRollout } from "../../src/services/updates/rollout.js";
import type { TargetVm } from "../../src/services/updates/targets.js";
import { isFinal, type VmRecord } from "../../src/services/updates/vm-record.js";

const vm = (vmid: number, node = "pve1"): TargetVm => ({ vmid, name: `vm${vmid}`, node, tags: [] });
const tick = () => new Promise((r) => setTimeout(r, 5));

function recorder(fail: Set<number> = new Set(), failedPhase: VmRecord["phase"] = "rolled-back") {
  const running = new Map<string, number>();
  let peak = 0;
  const peakPerNode = new Map<string, number>();
  const order: number[] = [];
  return {
    order,
    peak: () => peak,
    peakPerNode,
    async update(v: TargetVm, record: VmRecord) {
      order.push(v.vmid);
      running.set(v.node, (running.get(v.node) ?? 0) + 1);
      peak = Math.max(
        peak,
        [...running.values()].reduce((a, b) => a + b, 0),
      );
      peakPerNode.set(v.node, Math.max(peakPerNode.get(v.node) ?? 0, running.get(v.node)!));
      await tick();
      running.set(v.node, running.get(v.node)! - 1);
      record.phase = fail.has(v.vmid) ? failedPhase : "done";
    },
  };
}

const options = (o: object) => rolloutOptionsSchema.parse(o);

describe("rollout order", () => {
  it("puts the canaries first, then batches of N", () => {
    const vms = [1, 2, 3, 4, 5, 6, 7, 8].map((i) => vm(100 + i));
    expect(rolloutGroups(vms, { canary: 2, batch: 3 }).map((g) => g.map((v) => v.vmid))).toEqual([
      [101, 102],
      [103, 104, 105],
      [106, 107, 108],
    ]);
    expect(rolloutGroups(vms, { canary: 0, batch: 5 }).map((g) => g.length)).toEqual([5, 3]);
  });

  it("runs a batch in parallel but never more than the node limit on one node", async () => {
    const vms = [
      ...[1, 2, 3, 4].map((i) => vm(100 + i, "pve1")),
      ...[5, 6, 7, 8].map((i) => vm(100 + i, "pve2")),
    ];
    const r = recorder();
    const records: Record<string, VmRecord> = {};
    const end = await runRollout({
      vms,
      records,
      options: options({ canary: 0, batch: 8 }),
      nodeLimit: 2,
      update: r.update,
      cancelled: () => false,
      changed() {},
    });
    expect(end).toBe("completed");
    expect(r.peak()).toBe(4);
    expect(Object.fromEntries(r.peakPerNode)).toEqual({ pve1: 2, pve2: 2 });
    expect(Object.values(records).every((x) => x.phase === "done")).toBe(true);
  });

  it("finishes the VMs in flight and starts no other once failures pass the tolerance", async () => {
    const vms = [1, 2, 3, 4, 5, 6].map((i) => vm(100 + i, `pve${i}`));
    const records: Record<string, VmRecord> = {};
    const r = recorder(new Set([103]));
    const end = await runRollout({
      vms,
      records,
      options: options({ canary: 1, batch: 3, tolerance: 0 }),
      nodeLimit: 1,
      update: r.update,
      cancelled: () => false,
      changed() {},
    });
    expect(end).toBe("halted");
    expect(r.order).toEqual([101, 102, 103, 104]);
    expect(records["105"]!.phase).toBe("halted");
    expect(records["106"]!.phase).toBe("halted");
  });

  it("tolerates the configured number of failures", async () => {
    const vms = [1, 2, 3].map((i) => vm(100 + i));
    const records: Record<string, VmRecord> = {};
    const end = await runRollout({
      vms,
      records,
      options: options({ canary: 0, batch: 1, tolerance: 1 }),
      nodeLimit: 1,
      update: recorder(new Set([101])).update,
      cancelled: () => false,
      changed() {},
    });
    expect(end).toBe("completed");
    expect(records["103"]!.phase).toBe("done");
  });

  it("halts on a failed rollback whatever the tolerance", async () => {
    const vms = [1, 2, 3].map((i) => vm(100 + i));
    const records: Record<string, VmRecord> = {};
    const r = recorder(new Set([101]), "rollback-failed");
    const end = await runRollout({
      vms,
      records,
      options: options({ canary: 0, batch: 1, tolerance: 5 }),
      nodeLimit: 1,
      update: r.update,
      cancelled: () => false,
      changed() {},
    });
    expect(end).toBe("halted");
    expect(r.order).toEqual([101]);
    expect([records["102"]!.phase, records["103"]!.phase]).toEqual(["halted", "halted"]);
  });

  it("resumes: finished VMs are not run again and a VM left mid-update goes first", async () => {
    const vms = [1, 2, 3, 4].map((i) => vm(100 + i));
    const records: Record<string, VmRecord> = {
      "101": { phase: "done" },
      "103": { phase: "upgrade", snapshot: "chatops-pre-20261204-160000", pid: 1001 },
    };
    const r = recorder();
    await runRollout({
      vms,
      records,
      options: options({ canary: 0, batch: 4 }),
      nodeLimit: 1,
      update: r.update,
      cancelled: () => false,
      changed() {},
    });
    expect(r.order).toEqual([103, 102, 104]);
  });

  it("stops between VMs when cancelled", async () => {
    const vms = [1, 2, 3].map((i) => vm(100 + i));
    const records: Record<string, VmRecord> = {};
    const r = recorder();
    const end = await runRollout({
      vms,
      records,
      options: options({ canary: 0, batch: 1 }),
      nodeLimit: 1,
      update: r.update,
      cancelled: () => r.order.length >= 1,
      changed() {},
    });
    expect(end).toBe("cancelled");
    expect(r.order).toEqual([101]);
    expect([records["102"]!.phase, records["103"]!.phase]).toEqual(["cancelled", "cancelled"]);
  });

  it("resuming a halted rollout still takes every VM the dead worker left mid-update to its end", async () => {
    // The dead worker ran the batch [102..105] after the canary; 102 failed, so nothing new was to start,
    // but 103 and 104 were in flight: one holds a snapshot mid-upgrade, one is mid-rollback.
    const vms = [1, 2, 3, 4, 5].map((i) => vm(100 + i, `pve${i}`));
    const records: Record<string, VmRecord> = {
      "101": { phase: "done" },
      "102": { phase: "rolled-back" },
      "103": { phase: "upgrade", snapshot: "chatops-pre-20261204-160000", pid: 1001 },
      "104": { phase: "rollback", snapshot: "chatops-pre-20261204-160000", sent: true },
    };
    const r = recorder();
    const end = await runRollout({
      vms,
      records,
      options: options({ canary: 1, batch: 4, tolerance: 0 }),
      nodeLimit: 1,
      update: r.update,
      cancelled: () => false,
      changed() {},
    });
    expect(end).toBe("halted");
    expect(r.order.sort()).toEqual([103, 104]);
    expect(records["105"]!.phase).toBe("halted");
    expect(Object.values(records).every(isFinal)).toBe(true);
  });

  it("on cancel, a VM left mid-update that waits for room on its node is still finished", async () => {
    const vms = [vm(101, "pve1"), vm(102, "pve1"), vm(103, "pve2")];
    const records: Record<string, VmRecord> = {
      "101": { phase: "upgrade", snapshot: "chatops-pre-20261204-160000", pid: 1001 },
      "102": { phase: "snapshot", snapshot: "chatops-pre-20261204-160000", sent: true },
    };
    const r = recorder();
    const end = await runRollout({
      vms,
      records,
      options: options({ canary: 0, batch: 3 }),
      nodeLimit: 1,
      update: r.update,
      cancelled: () => true,
      changed() {},
    });
    expect(end).toBe("cancelled");
    expect(r.order).toEqual([101, 102]);
    expect(records["103"]!.phase).toBe("cancelled");
    expect(Object.values(records).every(isFinal)).toBe(true);
  });
});
