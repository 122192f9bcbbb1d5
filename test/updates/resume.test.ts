/**
 * A worker killed mid-VM: the VM's record as last persisted is all a new worker has. Whatever the point of
 * the kill, the resumed update takes no second snapshot, runs no second upgrade and loses no rollback.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { JobRunContext, JsonObject } from "../../src/services/jobs/definition.js";
import { type ApplyData, createUpdateApplyJob } from "../../src/services/updates/apply-job.js";
import { rolloutOptionsSchema } from "../../src/services/updates/config.js";
import type { VmRecord } from "../../src/services/updates/vm-record.js";
import { updateVm } from "../../src/services/updates/vm-update.js";
import { RecordingNotifier } from "../jobs/support.js";
import { addGuest, startUpdateSim, type UpdateSim } from "./helpers.js";

let u: UpdateSim | undefined;
afterEach(async () => {
  u?.t.expectSchemaValid();
  await u?.close();
  u = undefined;
});

const vm = { vmid: 800, name: "guest800", node: "pve1", tags: [] };

/** Runs one VM until `killAt` says the worker dies (before that save lands); returns what was persisted. */
async function runUntilKilled(record: VmRecord, killAt: (r: VmRecord) => boolean): Promise<VmRecord> {
  let persisted: VmRecord = structuredClone(record);
  let dead = false;
  await updateVm({
    deps: u!.deps,
    vm,
    record,
    options: rolloutOptionsSchema.parse({}),
    jobId: "job-1",
    requestedBy: "Alice",
    save: async () => {
      if (dead || killAt(record)) {
        dead = true;
        throw new Error("worker killed");
      }
      persisted = structuredClone(record);
    },
    changed() {},
  }).catch((err: Error) => {
    if (err.message !== "worker killed") throw err;
  });
  expect(dead).toBe(true);
  return persisted;
}

async function resume(record: VmRecord): Promise<VmRecord> {
  await updateVm({
    deps: u!.deps,
    vm,
    record,
    options: rolloutOptionsSchema.parse({}),
    jobId: "job-1",
    requestedBy: "Alice",
    save: async () => {},
    changed() {},
  });
  return record;
}

const upgrades = () =>
  u!.t.sim.requests
    .filter("POST", "/nodes/pve1/qemu/800/agent/exec")
    .filter((e) => JSON.stringify(e.body).includes("dist-upgrade")).length;

describe("a worker killed mid-update", () => {
  const points: Array<[string, (r: VmRecord) => boolean]> = [
    [
      "after the snapshot request, before its task id was saved",
      (r) => r.phase === "snapshot" && r.upid !== undefined,
    ],
    [
      "after the upgrade started, before its pid was saved",
      (r) => r.phase === "upgrade" && r.pid !== undefined,
    ],
    ["after the upgrade ended and its result was read, before that was saved", (r) => r.phase === "health"],
  ];
  for (const [when, killAt] of points) {
    it(`resumes ${when} without a second snapshot or upgrade`, async () => {
      u = await startUpdateSim();
      addGuest(u.t, { vmid: 800 });
      const persisted = await runUntilKilled({ phase: "queued" }, killAt);
      const done = await resume(persisted);
      expect(done.phase).toBe("done");
      const g = u.t.sim.state.vms.get(800)!;
      expect(g.snapshots).toHaveLength(1);
      expect(g.guest.packages.filter((p) => p.available)).toEqual([]);
      expect(upgrades()).toBe(1);
      expect(u.t.sim.requests.count("POST", "/nodes/pve1/qemu/800/snapshot")).toBe(1);
    });
  }

  it("finishes a rollback whose request was sent but not recorded, without sending it twice", async () => {
    u = await startUpdateSim();
    addGuest(u.t, { vmid: 800 });
    u.t.sim.state.vms.get(800)!.guest.upgradeDegrades = true;
    const persisted = await runUntilKilled(
      { phase: "queued" },
      (r) => r.phase === "rollback" && r.upid !== undefined,
    );
    expect(persisted.phase).toBe("rollback");
    const done = await resume(persisted);
    expect(done.phase).toBe("rolled-back");
    expect(u.t.sim.requests.count("POST", /\/qemu\/800\/snapshot\/[^/]+\/rollback$/)).toBe(1);
    const g = u.t.sim.state.vms.get(800)!;
    expect(g.status).toBe("running");
    expect(
      g.guest.packages
        .filter((p) => p.available)
        .map((p) => p.name)
        .sort(),
    ).toEqual(["nginx", "openssl"]);
  });

  it("a cancel the next worker sees before the rollout step still takes a VM left mid-rollback to its end", async () => {
    u = await startUpdateSim();
    addGuest(u.t, { vmid: 800 });
    addGuest(u.t, { vmid: 801 });
    u.t.sim.state.vms.get(800)!.guest.upgradeDegrades = true;
    const persisted = await runUntilKilled(
      { phase: "queued" },
      (r) => r.phase === "rollback" && r.upid !== undefined,
    );
    // The job runner cancels without running the step and calls the job's cleanup on its state.
    const chat = new RecordingNotifier();
    const job = createUpdateApplyJob({ updates: u.deps, notifiers: { console: chat }, editIntervalMs: 10 });
    const state = { vms: { "800": persisted, "801": { phase: "queued" } } } as unknown as JsonObject;
    const ctx: JobRunContext<ApplyData> = {
      jobId: "job-1",
      data: {
        title: "Update 2 VMs",
        conversation: { platform: "console", channelId: "ops" },
        vms: [vm, { vmid: 801, name: "guest801", node: "pve1", tags: [] }],
        options: rolloutOptionsSchema.parse({ canary: 0 }),
        requestedBy: "Alice",
      },
      requestedBy: { platform: "console", id: "alice", name: "Alice", groups: [] },
      attempt: 2,
      state,
      save: async () => {},
      progress() {},
      signal: new AbortController().signal,
      log: u.t.log,
    };
    expect(await job.cleanup!(ctx)).toEqual(["VM 800 guest800: rolled-back"]);
    const records = state.vms as unknown as Record<string, VmRecord>;
    expect(records["800"]!.phase).toBe("rolled-back");
    expect(records["801"]!.phase).toBe("cancelled");
    expect(u.t.sim.requests.count("POST", /\/qemu\/800\/snapshot\/[^/]+\/rollback$/)).toBe(1);
    expect(u.t.sim.state.vms.get(800)!.status).toBe("running");
    expect(u.t.sim.state.vms.get(801)!.snapshots).toEqual([]);
    expect(chat.posts.at(-1)?.reply.table?.rows.length).toBe(2);
    // Run again (a worker died mid-cleanup): nothing left to do.
    expect(await job.cleanup!(ctx)).toEqual([]);
  });
});
