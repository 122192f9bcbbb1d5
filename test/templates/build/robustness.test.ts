/**
 * Lost answers and cancels, each reproduced with the simulator's fault injection. After each: no VM
 * beyond the one template (or none), no reservation or slot left in Redis, and the card's final text.
 */
import { afterEach, describe, expect, it } from "vitest";
import { plainMentions } from "../../../src/services/vocabulary/mention.js";
import type { Reply } from "../../../src/services/vocabulary/reply.js";
import { bob } from "../../jobs/harness.js";
import { eventually } from "../../jobs/support.js";
import { leftovers, type Rig, startRig, vmsInRange } from "./rig.js";

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const CREATE = "/nodes/pve1/qemu";
const FIXTURE_VMS = [9000, 9001];

function finalCard(r: Rig): Reply {
  const reply = r.jobs.chat.edits.at(-1)?.reply;
  if (!reply) throw new Error("no card edit");
  return reply;
}

/** The VMs the build left in the template range, beyond the fixture's two. */
function builtVms(r: Rig) {
  return vmsInRange(r).filter((v) => !FIXTURE_VMS.includes(v.vmid));
}

describe("a create whose answer is lost", () => {
  it("is not sent again: the build finds its own create task and continues with that VM", async () => {
    rig = await startRig({ sim: { taskDurations: { qmcreate: 300 } } });
    rig.sim.sim.faults.dropConnection({ method: "POST", path: CREATE, when: "after" });
    const info = await rig.build("ubuntu-24.04", { node: "pve1" });
    expect(info?.state).toBe("completed");
    expect(rig.sim.sim.requests.count("POST", CREATE)).toBe(1);
    const built = builtVms(rig);
    expect(built).toHaveLength(1);
    expect(built[0]?.template).toBe(true);
    expect(await leftovers(rig)).toEqual([]);
    expect(finalCard(rig).text).toMatch(/^Completed in /);
  });

  it("is sent again only after looking finds nothing: a create that never arrived", async () => {
    rig = await startRig();
    rig.sim.sim.faults.dropConnection({ method: "POST", path: CREATE, when: "before" });
    const info = await rig.build("ubuntu-24.04", { node: "pve1" });
    expect(info?.state).toBe("completed");
    expect(rig.sim.sim.requests.count("GET", "/nodes/pve1/tasks")).toBeGreaterThan(0);
    const built = builtVms(rig);
    expect(built).toHaveLength(1);
    expect(built[0]?.template).toBe(true);
    expect(await leftovers(rig)).toEqual([]);
  });
});

describe("a convert-to-template whose answer is lost", () => {
  it("is recognised as done from template: 1 in the config, not failed and destroyed", async () => {
    rig = await startRig();
    rig.sim.sim.faults.dropConnection({ method: "POST", path: /\/qemu\/\d+\/template$/, when: "after" });
    const info = await rig.build("debian-12", { node: "pve1" });
    expect(info?.state).toBe("completed");
    expect(rig.sim.sim.requests.count("POST", /\/template$/)).toBe(1);
    expect(rig.sim.sim.requests.count("DELETE", /\/qemu\/\d+$/)).toBe(0);
    const built = builtVms(rig);
    expect(built).toHaveLength(1);
    expect(built[0]?.template).toBe(true);
    expect(await leftovers(rig)).toEqual([]);
    expect(finalCard(rig).text).toMatch(/^Completed in /);
  });
});

describe("a cancel or failure while PVE holds the create lock", () => {
  it("job cancel waits for the running create to end, then removes the VM", async () => {
    rig = await startRig();
    const r = rig;
    // The create runs until the cancel is in: the cancel lands while PVE holds the lock, on any machine.
    const releaseCreate = r.sim.sim.holdTasks("qmcreate");
    const started = await r.jobs.start(
      "template.build",
      (await r.plan("debian-12", { node: "pve1" })) as unknown as Record<string, unknown>,
    );
    await eventually(
      () => r.jobs.chat.edits.some((e) => JSON.stringify(e.reply).includes("importing the image")),
      "the import to start",
    );
    expect(await r.jobs.queue.cancel(started.id, bob)).toBe("cancelled");
    releaseCreate();
    const info = await r.jobs.queue.waitUntilFinished(started.id, 30_000);
    expect(info?.state).toBe("cancelled");
    expect(builtVms(r)).toEqual([]);
    expect(r.sim.sim.requests.count("DELETE", /\/qemu\/\d+$/)).toBe(1);
    expect(await leftovers(r)).toEqual([]);
    const card = finalCard(r);
    expect(plainMentions(card.text ?? "")).toMatch(/Cancelled by @Bob/);
    expect(JSON.stringify(card.fields)).toMatch(/removed VM 90\d\d/);
  });

  it("a failure while following the create waits for it to end, then removes the VM", async () => {
    rig = await startRig();
    const r = rig;
    const createStatus = /^\/nodes\/pve1\/tasks\/UPID:pve1:[^/]+:qmcreate:[^/]+\/status$/;
    r.sim.sim.faults.failNext({
      method: "GET",
      path: createStatus,
      status: 403,
      message: "Permission check failed (/nodes/pve1, Sys.Audit)",
    });
    // The create runs until the refused status read has happened, so the failure meets a running create.
    const releaseCreate = r.sim.sim.holdTasks("qmcreate");
    const building = r.build("debian-12", { node: "pve1" });
    await eventually(
      () => r.sim.sim.requests.filter("GET", createStatus).some((e) => e.status === 403),
      "the refused status read",
    );
    releaseCreate();
    const info = await building;
    expect(info?.state).toBe("failed");
    expect(builtVms(rig)).toEqual([]);
    expect(await leftovers(rig)).toEqual([]);
    const card = finalCard(rig);
    expect(card.text).toMatch(/Permission check failed/);
    expect(JSON.stringify(card.fields)).toMatch(/removed VM 90\d\d/);
  });
});

describe("a cleanup that cannot remove the VM", () => {
  it("names the VM in the card and the audit, releases every slot and reservation, and blocks no later build", async () => {
    rig = await startRig();
    rig.sim.sim.faults.failNextTask({ type: "qmtemplate", exitstatus: "rename volume failed: device busy" });
    rig.sim.sim.faults.failNext({
      method: "DELETE",
      path: /^\/nodes\/pve1\/qemu\/\d+$/,
      status: 500,
      message: "can't remove VM 9002 - protection mode enabled",
    });
    const info = await rig.build("debian-12", { node: "pve1" });
    expect(info?.state).toBe("failed");
    const card = finalCard(rig);
    expect(card.text).toMatch(/device busy/);
    const cleanupField = card.fields?.find((f) => f.label === "Cleanup")?.value ?? "";
    expect(cleanupField).toMatch(
      /cleanup failed: VM 9002 on pve1 was left behind: .*protection mode enabled/,
    );
    expect(cleanupField).toContain("qm destroy 9002 --purge");
    const audit = rig.jobs.audit.records.find((a) => a.outcome === "failed");
    expect(audit?.detail).toMatch(/cleanup failed: VM 9002 on pve1 was left behind/);
    expect(await leftovers(rig)).toEqual([]);

    const again = await rig.build("debian-12", { node: "pve1" });
    expect(again?.state).toBe("completed");
    expect(builtVms(rig).map((v) => [v.vmid, v.template])).toEqual([
      [9002, false],
      [9003, true],
    ]);
    expect(await leftovers(rig)).toEqual([]);
  });
});
