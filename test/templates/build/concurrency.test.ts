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

  it("a semaphore serves waiters first come, first served; one that gives up leaves the queue", async () => {
    rig = await startRig({ worker: false });
    const sem = new RedisSemaphore(rig.redis, { prefix: rig.prefix, pollMs: 10 });
    const held = await sem.acquire("node:pve3", 1, { owner: "holder", leaseMs: 2000 });
    const order: string[] = [];
    const quitter = new AbortController();
    const gaveUp = sem.acquire("node:pve3", 1, { owner: "quitter", signal: quitter.signal }).then(
      () => "acquired",
      () => "gave up",
    );
    await new Promise((resolve) => setTimeout(resolve, 40));
    const patient = sem.acquire("node:pve3", 1, { owner: "patient", leaseMs: 2000 }).then((lease) => {
      order.push("patient");
      return lease;
    });
    await new Promise((resolve) => setTimeout(resolve, 40));
    quitter.abort();
    expect(await gaveUp).toBe("gave up");
    // A newcomer that polls while the slot is free but "patient" waits ahead of it gets in line; the
    // quitter, ahead of both, left the queue, so "patient" does not wait for its entry to expire (2 s).
    const freedAt = Date.now();
    await held.release();
    const late = sem.acquire("node:pve3", 1, { owner: "late", leaseMs: 2000 }).then((lease) => {
      order.push("late");
      return lease;
    });
    const patientLease = await patient;
    expect(Date.now() - freedAt).toBeLessThan(1000);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(order).toEqual(["patient"]);
    await patientLease.release();
    await (await late).release();
    expect(order).toEqual(["patient", "late"]);
  });
});
