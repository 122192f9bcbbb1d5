/** `update snapshots`, `update rollback` and `update cleanup` against the simulator. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { updateCleanup } from "../../src/commands/update-cleanup.js";
import { updateRollback } from "../../src/commands/update-rollback.js";
import { updateSnapshots } from "../../src/commands/update-snapshots.js";
import { addGuest, startUpdateSim, type UpdateSim, updateContext } from "./helpers.js";

let u: UpdateSim;
beforeEach(async () => {
  u = await startUpdateSim({ retention: "7d" });
});
afterEach(async () => {
  u.t.expectSchemaValid();
  await u.close();
});

const DAY = 86_400;

function snapshot(vmid: number, name: string, ageDays: number, description: string) {
  const vm = u.t.sim.state.vms.get(vmid)!;
  vm.snapshots.push({
    name,
    snaptime: Math.floor(Date.now() / 1000) - ageDays * DAY,
    description,
    vmstate: 0,
    config: { ...vm.config },
    guest: { ...vm.guest, packages: vm.guest.packages.map((p) => ({ ...p })) },
  });
}

describe("update cleanup", () => {
  it("deletes only the bot's snapshots past retention", async () => {
    addGuest(u.t, { vmid: 900 });
    addGuest(u.t, { vmid: 901, node: "pve2" });
    snapshot(
      900,
      "chatops-pre-20261101-030000",
      30,
      "chatops: before guest updates, job 1, requested by Alice",
    );
    snapshot(
      900,
      "chatops-pre-20261203-030000",
      1,
      "chatops: before guest updates, job 2, requested by Alice",
    );
    snapshot(901, "chatops-pre-20261001-030000", 60, "taken by hand, same prefix");
    snapshot(901, "before-migration", 90, "someone else's");
    snapshot(
      901,
      "chatops-pre-20261102-030000",
      29,
      "chatops: before guest updates, job 3, requested by Bob",
    );
    const ctx = updateContext(u);
    const target = await updateCleanup.resolve!(ctx, {});
    expect(target.identity).toBe("900:chatops-pre-20261101-030000,901:chatops-pre-20261102-030000");
    expect(target.table!.rows.map((r) => r[2])).toEqual([
      "chatops-pre-20261101-030000",
      "chatops-pre-20261102-030000",
    ]);
    const reply = await updateCleanup.run(ctx, {}, target);
    expect(reply.text).toBe("Deleted 2 of 2 expired update snapshots.");
    expect(u.t.sim.state.vms.get(900)!.snapshots.map((s) => s.name)).toEqual(["chatops-pre-20261203-030000"]);
    expect(u.t.sim.state.vms.get(901)!.snapshots.map((s) => s.name)).toEqual([
      "chatops-pre-20261001-030000",
      "before-migration",
    ]);
    await expect(updateCleanup.resolve!(ctx, {})).rejects.toMatchObject({ code: "E_NOT_FOUND" });
  });
});

describe("update snapshots", () => {
  it("lists the bot's snapshots with their expiry", async () => {
    addGuest(u.t, { vmid: 910, name: "web" });
    snapshot(
      910,
      "chatops-pre-20261101-030000",
      30,
      "chatops: before guest updates, job 1, requested by Alice",
    );
    snapshot(910, "manual", 1, "by hand");
    const reply = await updateSnapshots.run(updateContext(u), { target: ["910"] });
    expect(reply.text).toBe("1 snapshot taken by updates, 1 past retention.");
    expect(reply.table!.rows).toEqual([
      [
        "910 web",
        "pve1",
        "chatops-pre-20261101-030000",
        expect.stringMatching(/ UTC$/),
        "expired (update cleanup)",
      ],
    ]);
  });
});

describe("update rollback", () => {
  it("goes back to the newest bot snapshot, restores the packages and starts the VM again", async () => {
    addGuest(u.t, { vmid: 920, name: "app" });
    snapshot(
      920,
      "chatops-pre-20261101-030000",
      30,
      "chatops: before guest updates, job 1, requested by Alice",
    );
    snapshot(
      920,
      "chatops-pre-20261203-030000",
      1,
      "chatops: before guest updates, job 2, requested by Alice",
    );
    snapshot(920, "manual-later", 0, "by hand");
    const g = u.t.sim.state.vms.get(920)!;
    for (const p of g.guest.packages) delete p.available;
    const ctx = updateContext(u);
    const target = await updateRollback.resolve!(ctx, { vm: "app" });
    expect(target.identity).toMatch(
      /^vm=920:app:ctime=\d+ snapshot=chatops-pre-20261203-030000 snaptime=\d+$/,
    );
    const reply = await updateRollback.run(ctx, { vm: "app" }, target);
    expect(reply.text).toBe("VM 920 app is back at chatops-pre-20261203-030000 and running.");
    expect(g.status).toBe("running");
    expect(g.guest.packages.filter((p) => p.available).length).toBe(2);
  });

  it("binds to the VM's creation time: a VM recreated under the same id and name is another target", async () => {
    addGuest(u.t, { vmid: 922, name: "app3", ctime: 1_764_000_000 });
    snapshot(922, "manual", 1, "by hand");
    const ctx = updateContext(u);
    const approved = await updateRollback.resolve!(ctx, { vm: "922", snapshot: "manual" });
    const snapshots = u.t.sim.state.vms.get(922)!.snapshots;
    u.t.sim.state.vms.delete(922);
    // Same id, name and even the same snapshot (name and time): only PVE's ctime tells them apart.
    addGuest(u.t, { vmid: 922, name: "app3", ctime: 1_764_086_400 });
    u.t.sim.state.vms.get(922)!.snapshots.push(...snapshots);
    const now = await updateRollback.resolve!(ctx, { vm: "922", snapshot: "manual" });
    expect(approved.identity).toMatch(/^vm=922:app3:ctime=1764000000 /);
    expect(now.identity).toBe(approved.identity.replace("ctime=1764000000", "ctime=1764086400"));
  });

  it("takes a named snapshot, and refuses one that does not exist", async () => {
    addGuest(u.t, { vmid: 921, name: "app2", status: "stopped" });
    snapshot(921, "manual", 3, "by hand");
    const ctx = updateContext(u);
    await expect(updateRollback.resolve!(ctx, { vm: "921", snapshot: "nope" })).rejects.toMatchObject({
      code: "E_NOT_FOUND",
      message: 'VM 921 has no snapshot "nope"',
    });
    await expect(updateRollback.resolve!(ctx, { vm: "921" })).rejects.toMatchObject({ code: "E_NOT_FOUND" });
    const target = await updateRollback.resolve!(ctx, { vm: "921", snapshot: "manual" });
    expect(target.fields.find((f) => f.label === "After")!.value).toBe("left stopped");
    await updateRollback.run(ctx, { vm: "921", snapshot: "manual" }, target);
    expect(u.t.sim.state.vms.get(921)!.status).toBe("stopped");
    expect(updateRollback.destructive && updateCleanup.destructive).toBe(true);
  });
});
