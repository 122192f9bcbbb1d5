import { afterEach, describe, expect, it } from "vitest";
import { type PveSimulator, startPveSimulator } from "../../src/sim/pve/index.js";
import { call, waitTask } from "./client.js";

let sim: PveSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const statusOf = async (s: PveSimulator, upid: string) =>
  (await call(s, "GET", `/nodes/pve1/tasks/${upid}/status`)).json.data;

describe("simulator hooks that let tests follow simulated time", () => {
  it("a held task type stays running until released, then runs its duration; other types are not held", async () => {
    sim = await startPveSimulator({ tls: false, defaultTaskDurationMs: 5 });
    const release = sim.holdTasks("qmsnapshot");
    const snap = (await call(sim, "POST", "/nodes/pve1/qemu/100/snapshot", { snapname: "held" })).json.data;
    const stop = (await call(sim, "POST", "/nodes/pve1/qemu/101/status/stop")).json.data;
    expect((await waitTask(sim, stop)).exitstatus).toBe("OK");
    expect(await statusOf(sim, snap)).toMatchObject({ status: "running" });
    expect(sim.state.vms.get(100)!.snapshots.map((s) => s.name)).not.toContain("held");
    release();
    expect((await waitTask(sim, snap)).exitstatus).toBe("OK");
    expect(sim.state.vms.get(100)!.snapshots.map((s) => s.name)).toContain("held");
    // Released for good: the next snapshot is not held.
    const next = (await call(sim, "POST", "/nodes/pve1/qemu/100/snapshot", { snapname: "free" })).json.data;
    expect((await waitTask(sim, next)).exitstatus).toBe("OK");
  });

  it("a held task that is stopped ends interrupted and stays so after the release", async () => {
    sim = await startPveSimulator({ tls: false, defaultTaskDurationMs: 5 });
    const release = sim.holdTasks("qmclone");
    const clone = (await call(sim, "POST", "/nodes/pve1/qemu/9000/clone", { newid: 8200, name: "x" })).json
      .data;
    await call(sim, "DELETE", `/nodes/pve1/tasks/${clone}`);
    expect((await waitTask(sim, clone)).exitstatus).toBe("interrupted by signal");
    release();
    // A clone started after the release ends after any timer the release armed (same duration, later).
    const later = (await call(sim, "POST", "/nodes/pve1/qemu/9000/clone", { newid: 8201, name: "y" })).json
      .data;
    expect((await waitTask(sim, later)).exitstatus).toBe("OK");
    expect(await statusOf(sim, clone)).toMatchObject({ exitstatus: "interrupted by signal" });
    expect(sim.state.vms.has(8200)).toBe(false);
  });

  it("reports each task's end to listeners until they unsubscribe", async () => {
    sim = await startPveSimulator({ tls: false, defaultTaskDurationMs: 5 });
    const ended: { upid: string; exitstatus: string }[] = [];
    const unsubscribe = sim.onTaskEnd((task) => ended.push(task));
    const ok = (await call(sim, "POST", "/nodes/pve1/qemu/101/status/stop")).json.data;
    await waitTask(sim, ok);
    const failed = (await call(sim, "POST", "/nodes/pve1/qemu/9000/status/start")).json.data;
    await waitTask(sim, failed);
    expect(ended).toEqual([
      { upid: ok, exitstatus: "OK" },
      { upid: failed, exitstatus: "you can't start a vm if it's a template" },
    ]);
    unsubscribe();
    await waitTask(sim, (await call(sim, "POST", "/nodes/pve1/qemu/101/status/start")).json.data);
    expect(ended).toHaveLength(2);
  });
});
