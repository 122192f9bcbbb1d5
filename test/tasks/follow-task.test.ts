import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ProxmoxTaskError } from "../../src/services/proxmox.js";
import { TaskFollower } from "../../src/services/tasks/follow-task.js";
import { qcow2Image } from "../../src/sim/mirror/images.js";
import { type SimClient, startSimClient } from "../proxmox/helpers/sim.js";

let t: SimClient | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

// The simulator's download-url fetches the URL, so the images come from a local server.
let images: Server;
let base = "";
beforeAll(async () => {
  const bytes = qcow2Image({ virtualSize: 1024 ** 3, note: "follow-task test image" });
  images = createServer((_req, res) => res.end(bytes));
  await new Promise<void>((resolve) => images.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => images.close(() => resolve())));

const download = (sim: SimClient, n: number) =>
  sim.client.downloadUrl("pve1", "local", {
    url: `${base}/disk-${n}.qcow2`,
    filename: `disk-${n}.qcow2`,
    content: "import",
  });

describe("following build tasks", () => {
  it("once it has learned a task type, polls near its expected end: at most two status reads", async () => {
    // Virtual time: each download is held in the simulator and released once the follower's clock has
    // passed 600 ms since it started, so the follower's decisions are tested without racing wall time.
    t = await startSimClient({ taskDurations: { download: 0 } });
    const sim = t;
    let now = 0;
    let endsAt = Number.POSITIVE_INFINITY;
    let release: (() => void) | undefined;
    const sleep = async (ms: number) => {
      now += ms;
      if (release && now >= endsAt) {
        const ended = new Promise<void>((resolve) => {
          const unsubscribe = sim.sim.onTaskEnd(() => {
            unsubscribe();
            resolve();
          });
        });
        release();
        release = undefined;
        await ended;
      }
    };
    const follower = new TaskFollower(sim.client, { now: () => now }, sleep);
    const downloadFor600ms = async (n: number) => {
      release = sim.sim.holdTasks("download");
      endsAt = now + 600;
      return download(sim, n);
    };
    const statusReads = () => sim.sim.requests.count("GET", /\/tasks\/[^/]+\/status$/);
    await follower.follow(await downloadFor600ms(1));
    // The second task of a type narrows the estimate; from the third on it is known.
    await follower.follow(await downloadFor600ms(2));
    for (let n = 3; n <= 5; n++) {
      const before = statusReads();
      const started = now;
      await follower.follow(await downloadFor600ms(n));
      expect(statusReads() - before).toBeLessThanOrEqual(2);
      expect(now - started).toBeLessThan(900);
    }
  });

  it("followers of a type not yet learned see the end soon after it: one scouts, the others wake", async () => {
    // Real time: five downloads of 1.2 s started together. Each follower alone on its growing intervals
    // (250, 350, 490, 686 ms…) would first see the end at 1.78 s and learn a duration of 1.4 s.
    t = await startSimClient({ taskDurations: { download: 1200 } });
    const sim = t;
    const clock = { now: () => Date.now() };
    const follower = new TaskFollower(sim.client, clock);
    let n = 10;
    const round = async () =>
      Promise.all(
        [1, 2, 3, 4, 5].map(async () => {
          const upid = await download(sim, n++);
          const started = clock.now();
          await follower.follow(upid);
          return clock.now() - started;
        }),
      );
    const first = await round();
    for (const ms of first) expect(ms).toBeLessThan(1200 * 1.3);
    // Learned to within one short gap: the next round's followers look a few times, near the end.
    const before = sim.sim.requests.count("GET", /\/tasks\/[^/]+\/status$/);
    const second = await round();
    for (const ms of second) expect(ms).toBeLessThan(1200 * 1.3);
    expect(sim.sim.requests.count("GET", /\/tasks\/[^/]+\/status$/) - before).toBeLessThanOrEqual(3 * 5);
  });

  it("a failed task throws PVE's message with the task log tail", async () => {
    t = await startSimClient();
    t.sim.faults.failNextTask({ type: "download", exitstatus: "download failed: 403 Forbidden" });
    const follower = new TaskFollower(t.client, { now: () => Date.now() });
    const err = await follower.follow(await download(t, 9)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProxmoxTaskError);
    expect((err as ProxmoxTaskError).pveMessage).toBe("download failed: 403 Forbidden");
    expect((err as ProxmoxTaskError).logTail.at(-1)).toBe("TASK ERROR: download failed: 403 Forbidden");
  });
});
