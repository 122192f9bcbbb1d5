/**
 * A PVE task that fails because another task holds the VM (a backup's lock) is started again, not
 * followed again: the failed UPID stays failed for ever, so re-reading it could never succeed.
 */
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../../jobs/support.js";
import { leftovers, type Rig, startRig, vmsInRange } from "./rig.js";

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const TEMPLATE = /^\/nodes\/pve1\/qemu\/\d+\/template$/;

describe("a transient task failure", () => {
  it("is retried in the stage by starting the task again, and the build succeeds", async () => {
    rig = await startRig();
    rig.sim.sim.faults.failNextTask({ type: "qmtemplate", exitstatus: "VM is locked (backup)" });
    const info = await rig.build("ubuntu-24.04", { node: "pve1" });
    expect(info?.state).toBe("completed");
    expect(rig.sim.sim.requests.count("POST", TEMPLATE)).toBe(2);
    const built = vmsInRange(rig).filter((v) => v.name.startsWith("tpl-ubuntu"));
    expect(built).toHaveLength(1);
    expect(built[0]?.template).toBe(true);
  });

  it("left to the job's retry starts a new task on the next attempt instead of re-following the failed one", async () => {
    rig = await startRig({ attempts: 2, backoffMs: 1500, taskRetry: { attempts: 1, delayMs: 0 } });
    rig.sim.sim.faults.failNextTask({
      type: "download",
      exitstatus: "can't lock file '/var/lock/pve-manager/pve-storage-local' - got timeout",
    });
    const r = rig;
    const started = await r.jobs.start(
      "template.build",
      (await r.plan("debian-12", { node: "pve1" })) as unknown as Record<string, unknown>,
    );
    await eventually(
      () => r.jobs.chat.edits.some((e) => /retrying/i.test(JSON.stringify(e.reply))),
      "the retry card",
    );
    // Between attempts the build holds no slot: the retry may run on another worker.
    expect(await leftovers(r)).toEqual([]);
    const info = await r.jobs.queue.waitUntilFinished(started.id, 30_000);
    expect(info?.state).toBe("completed");
    expect(rig.sim.sim.requests.count("POST", /download-url$/)).toBe(2);
    const statusReads = rig.sim.sim.requests.filter("GET", /\/tasks\/.*download.*\/status$/);
    const upids = new Set(statusReads.map((e) => e.path.split("/")[4]));
    expect(upids.size).toBe(2);
    expect(rig.jobs.chat.edits.some((e) => /retrying/i.test(JSON.stringify(e.reply)))).toBe(true);
  });

  it("that is not transient fails the build at once, without starting the task again", async () => {
    rig = await startRig();
    rig.sim.sim.faults.failNextTask({ type: "qmtemplate", exitstatus: "rename volume failed: device busy" });
    const info = await rig.build("ubuntu-24.04", { node: "pve1" });
    expect(info?.state).toBe("failed");
    expect(rig.sim.sim.requests.count("POST", TEMPLATE)).toBe(1);
  });
});
