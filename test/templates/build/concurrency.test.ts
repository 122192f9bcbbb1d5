import { afterEach, describe, expect, it } from "vitest";
import { RedisSemaphore } from "../../../src/adapters/store/locks.js";
import { type Rig, startRig, vmsInRange } from "./rig.js";

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe("concurrent builds", () => {
  it("two builds of one distro on one node give one template; the other answers up to date", async () => {
    rig = await startRig();
    const r = rig;
    const [a, b] = await Promise.all([
      r.plan("rocky-9", { node: "pve3" }),
      r.plan("rocky-9", { node: "pve3" }),
    ]);
    const started = await Promise.all(
      [a, b].map((d) => r.jobs.start("template.build", d as unknown as Record<string, unknown>)),
    );
    const done = await Promise.all(started.map((s) => r.jobs.queue.waitUntilFinished(s.id, 30_000)));
    expect(done.map((d) => d?.state)).toEqual(["completed", "completed"]);
    expect(vmsInRange(r).filter((v) => v.name.startsWith("tpl-rocky-9"))).toHaveLength(1);
    const finals = started.map((s) =>
      JSON.stringify(r.jobs.chat.edits.filter((e) => e.messageId === s.message?.messageId).at(-1)?.reply),
    );
    expect(finals.filter((f) => /up to date: tpl-rocky-9/.test(f))).toHaveLength(1);
  });

  it("a semaphore admits at most its limit across clients, and an expired lease frees its slot", async () => {
    rig = await startRig({ worker: false });
    const secondClient = rig.redis.duplicate();
    const other = new RedisSemaphore(secondClient, { prefix: rig.prefix, pollMs: 10 });
    const mine = new RedisSemaphore(rig.redis, { prefix: rig.prefix, pollMs: 10 });
    let active = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const sem = i % 2 === 0 ? mine : other;
        const lease = await sem.acquire("node:pve1", 2, { owner: `job${i}`, leaseMs: 2000 });
        active++;
        peak = Math.max(peak, active);
        await new Promise((resolve) => setTimeout(resolve, 30));
        active--;
        await lease.release();
      }),
    );
    expect(peak).toBe(2);
    // A holder that never renews (its process died): the slot comes back after the lease.
    await rig.redis.zadd(`${rig.prefix}sem:node:pve2`, Date.now() + 150, "dead#1");
    const started = Date.now();
    const lease = await mine.acquire("node:pve2", 1, { owner: "live", leaseMs: 2000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    await lease.release();
    expect(await mine.holders("node:pve2")).toEqual([]);
    await secondClient.quit();
  });
});
