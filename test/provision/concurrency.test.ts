import { afterEach, describe, expect, it } from "vitest";
import type { CommandDefinition } from "../../src/commands/definition.js";
import { vmCreate } from "../../src/commands/vm-create.js";
import type { RequestLogEntry } from "../../src/sim/pve/faults.js";
import { leftovers } from "../templates/build/rig.js";
import { type ProvisionRig, startProvisionRig } from "./rig.js";

let rig: ProvisionRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const create = vmCreate as CommandDefinition;
const TASK_MS = 300;

/**
 * The most tasks running at once, from the simulator's request log: each POST starts a task of a fixed
 * `TASK_MS`, and a VM's node slot is held from before its POST until its task is seen to end, so the
 * task windows lie inside the slot windows.
 */
function peakRunning(entries: RequestLogEntry[]): number {
  const edges = entries.flatMap((e) => [
    { at: e.at, d: 1 },
    { at: e.at + TASK_MS, d: -1 },
  ]);
  // An end and a start at the same millisecond do not overlap.
  edges.sort((a, b) => a.at - b.at || a.d - b.d);
  let running = 0;
  let peak = 0;
  for (const edge of edges) {
    running += edge.d;
    peak = Math.max(peak, running);
  }
  return peak;
}

/** The name of the VM a clone (by its body) or a start (by its VMID) was for. */
function vmName(r: ProvisionRig, entry: RequestLogEntry): string {
  if (typeof entry.body.name === "string") return entry.body.name;
  const vmid = Number(entry.path.split("/")[4]);
  return r.created().find((v) => v.vmid === vmid)?.name ?? "";
}

describe("vm create across concurrent jobs", () => {
  it("two --count jobs on one node never run more VMs at once than provision.perNode together", async () => {
    rig = await startProvisionRig({
      provision: { perNode: 2 },
      sim: { taskDurations: { qmclone: TASK_MS, qmstart: TASK_MS } },
    });
    const r = rig;
    const jobs = await Promise.all(
      ["alpha", "beta"].map(async (name) => {
        const reply = await create.run(r.ctx(), {
          name,
          from: "tmpl-debian-12",
          count: 4,
          ip: "dhcp",
          start: true,
        } as never);
        if (!reply.jobId) throw new Error(`no job: ${reply.text}`);
        return reply.jobId;
      }),
    );
    const done = await Promise.all(jobs.map((id) => r.jobs.queue.waitUntilFinished(id, 30_000)));
    expect(done.map((d) => d?.state)).toEqual(["completed", "completed"]);
    expect(
      r
        .created()
        .map((v) => v.name)
        .sort(),
    ).toEqual(["alpha-1", "alpha-2", "alpha-3", "alpha-4", "beta-1", "beta-2", "beta-3", "beta-4"]);

    const clones = r.sim.sim.requests.filter("POST", /^\/nodes\/pve1\/qemu\/\d+\/clone$/);
    const starts = r.sim.sim.requests.filter("POST", /^\/nodes\/pve1\/qemu\/\d+\/status\/start$/);
    expect(clones).toHaveLength(8);
    expect(starts).toHaveLength(8);
    // The two jobs really ran side by side (the slots are first come, first served, so the first job
    // cannot take them again and again): each sent a request before the other's last one.
    const tasks = [...clones, ...starts];
    const span = (prefix: string) => {
      const times = tasks.filter((t) => vmName(r, t).startsWith(prefix)).map((t) => t.at);
      return { first: Math.min(...times), last: Math.max(...times) };
    };
    expect(span("beta").first).toBeLessThan(span("alpha").last);
    expect(span("alpha").first).toBeLessThan(span("beta").last);
    // Each job alone may run 2; together they still run at most 2 (4 without the shared slots).
    expect(peakRunning(clones)).toBe(2);
    expect(peakRunning(starts)).toBe(2);
    // Every slot and VMID reservation was released.
    expect(await leftovers(r)).toEqual([]);
  });
});
