import { hostname } from "node:os";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { TransientError, UserError } from "../../src/services/errors.js";
import { createJobRegistry } from "../../src/services/jobs/definition.js";
import { mention, plainMentions } from "../../src/services/vocabulary/mention.js";
import { alice, bob, type Harness, harness } from "./harness.js";
import { buildJob, newCalls } from "./sample-job.js";
import { eventually, latch, REDIS_URL } from "./support.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("BullJobQueue with a real worker", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("runs a 3-step job to a completed card with progress edits at most one per interval", async () => {
    const calls = newCalls();
    h = harness([buildJob(calls)], { progressInterval: 100 });
    h.startWorker();
    const started = await h.start("template.build", { vmid: 9001 });
    expect(started).toMatchObject({
      id: "j1",
      state: "waiting",
      title: "Build template 9001",
      requestedBy: alice,
    });
    expect(h.chat.posts[0]!.reply).toMatchObject({
      tone: "info",
      jobId: "j1",
      progress: { fraction: 0, step: "queued, waiting for a worker" },
    });

    const info = await h.queue.waitUntilFinished(started.id, 15_000);
    expect(info).toMatchObject({ state: "completed", attempts: 1 });
    expect(info!.finishedAt).toBeGreaterThanOrEqual(info!.createdAt);
    const edits = h.chat.editsOf(started.message!.messageId);
    const final = edits.at(-1)!.reply;
    expect(final.tone).toBe("success");
    expect(final.fields).toContainEqual({ label: "Template", value: "9001" });
    const gaps = edits.slice(1).map((e, i) => e.at - edits[i]!.at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(98);
    // 20 progress reports over ~200 ms plus step starts were coalesced into a few edits.
    expect(edits.length).toBeLessThan(10);
    expect(edits.some((e) => e.reply.progress?.step.startsWith("step 2/3: import disk ("))).toBe(true);
    expect(calls.steps.map((s) => s.name)).toEqual(["create", "import", "convert"]);
    expect(calls.cleanups).toEqual([]);
    expect(h.audit.records).toEqual([
      expect.objectContaining({
        kind: "job",
        jobId: "j1",
        outcome: "completed",
        command: "template.build",
        requestId: "req-template.build",
      }),
    ]);
    expect(await h.queue.counts()).toMatchObject({ completed: 1, failed: 0, cancelled: 0, active: 0 });
    // BullMQ records which process ran the job (e2e:scale and operators read it).
    const redis = new Redis(REDIS_URL);
    try {
      expect(await redis.hget(`${h.prefix}:jobs:${started.id}`, "pb")).toBe(`${hostname()}:${process.pid}`);
    } finally {
      redis.disconnect();
    }
  });

  it("retries a transient error in step 2 with backoff, resuming without re-running step 1", async () => {
    const calls = newCalls();
    let failures = 0;
    h = harness(
      [
        buildJob(calls, {
          import: async () => {
            if (failures++ < 2) throw new TransientError("PVE answered 503 Service Unavailable");
          },
        }),
      ],
      { attempts: 3, backoffMs: 150 },
    );
    h.startWorker();
    const started = await h.start("template.build", { vmid: 9002 });
    const info = await h.queue.waitUntilFinished(started.id, 15_000);
    expect(info).toMatchObject({ state: "completed", attempts: 3 });
    expect(calls.steps.map((s) => `${s.name}@${s.attempt}`)).toEqual([
      "create@1",
      "import@1",
      "import@2",
      "import@3",
      "convert@3",
    ]);
    const imports = calls.steps.filter((s) => s.name === "import");
    // Exponential backoff: ≥150 ms, then ≥300 ms (BullMQ's delayed set is checked on its own schedule).
    expect(imports[1]!.at - imports[0]!.at).toBeGreaterThanOrEqual(140);
    expect(imports[2]!.at - imports[1]!.at).toBeGreaterThanOrEqual(290);
    const retrying = h.chat
      .editsOf(started.message!.messageId)
      .map((e) => [e.reply.progress?.step, e.reply.text]);
    expect(retrying).toContainEqual([
      "step 2/3: import disk failed",
      "PVE answered 503 Service Unavailable; retrying in 1s (attempt 2 of 3).",
    ]);
    expect(calls.cleanups).toEqual([]);
    expect(h.audit.records.map((r) => r.outcome)).toEqual(["completed"]);
  });

  it("fails a non-transient error at once: cleanup runs and the card names the step and the PVE log", async () => {
    const calls = newCalls();
    const pveError = Object.assign(new UserError("E_PVE", "storage 'local-lvm' is full"), {
      taskLog: ["importing disk", "write error: No space left on device", "TASK ERROR: import failed"],
    });
    h = harness([buildJob(calls, { import: async () => Promise.reject(pveError) })], { attempts: 3 });
    h.startWorker();
    const started = await h.start("template.build", { vmid: 9003 });
    const info = await h.queue.waitUntilFinished(started.id, 15_000);
    expect(info).toMatchObject({ state: "failed", attempts: 1, error: "storage 'local-lvm' is full" });
    expect(calls.steps.map((s) => s.name)).toEqual(["create", "import"]);
    expect(calls.cleanups).toEqual([{ vmid: 9003 }]);
    const final = h.chat.last(started.message!.messageId)!;
    expect(final).toMatchObject({
      tone: "danger",
      errorCode: "E_PVE",
      text: "Failed at step 2/3: import disk: storage 'local-lvm' is full",
      code: "importing disk\nwrite error: No space left on device\nTASK ERROR: import failed",
    });
    expect(final.fields).toContainEqual({ label: "Cleanup", value: "removed VM 9003" });
    expect(h.audit.records).toEqual([
      expect.objectContaining({
        outcome: "failed",
        detail: "step 2/3: import disk: storage 'local-lvm' is full; removed VM 9003",
      }),
    ]);
    expect(await h.queue.list({ state: "failed" })).toEqual([expect.objectContaining({ id: started.id })]);
  });

  it("cancels an active job between steps and cleans up", async () => {
    const calls = newCalls();
    const inCreate = latch();
    const release = latch();
    h = harness([
      buildJob(calls, {
        create: async () => {
          inCreate.open();
          await release.promise;
        },
      }),
    ]);
    h.startWorker();
    const started = await h.start("template.build", { vmid: 9004 });
    await inCreate.promise;
    expect(await h.queue.get(started.id)).toMatchObject({
      state: "active",
      attempts: 1,
      progress: { fraction: 0, step: "step 1/3: create VM" },
    });
    expect(await h.queue.cancel(started.id, bob)).toBe("cancelled");
    release.open();
    const info = await h.queue.waitUntilFinished(started.id, 15_000);
    expect(info?.state).toBe("cancelled");
    expect(calls.steps.map((s) => s.name)).toEqual(["create"]);
    expect(calls.cleanups).toEqual([{ vmid: 9004 }]);
    const final = h.chat.last(started.message!.messageId)!;
    expect(plainMentions(final.text ?? "")).toBe("Cancelled by @Bob at step 2/3: import disk.");
    expect(final.buttons).toBeUndefined();
    expect(h.audit.records).toEqual([
      expect.objectContaining({
        outcome: "cancelled",
        detail: "cancelled by Bob at step 2/3: import disk; removed VM 9004",
      }),
    ]);
    await eventually(
      async () => (await h!.queue.counts()).completed === 0,
      "the cancelled job to leave BullMQ",
    );
    expect(await h.queue.counts()).toMatchObject({ cancelled: 1, completed: 0, failed: 0 });
    expect(await h.queue.list({ state: "cancelled" })).toEqual([expect.objectContaining({ id: started.id })]);
    expect(await h.queue.cancel(started.id, bob)).toBe("already-finished");
  });

  it("aborts a long step through its signal when cancelled", async () => {
    const calls = newCalls();
    const waiting = latch();
    h = harness([
      buildJob(calls, {
        import: (ctx) =>
          new Promise((_, reject) => {
            ctx.signal.addEventListener("abort", () => reject(new Error("polling stopped")));
            waiting.open();
          }),
      }),
    ]);
    h.startWorker();
    const started = await h.start("template.build", { vmid: 9005 });
    await waiting.promise;
    await h.queue.cancel(started.id, bob);
    const info = await h.queue.waitUntilFinished(started.id, 15_000);
    expect(info?.state).toBe("cancelled");
    expect(calls.steps.map((s) => s.name)).toEqual(["create", "import"]);
    expect(calls.cleanups).toEqual([{ vmid: 9005 }]);
  });

  it("cancels a waiting job: removed, card edited, never run, and waitUntilFinished sees it", async () => {
    const calls = newCalls();
    h = harness([buildJob(calls)]);
    const started = await h.start("template.build", { vmid: 9006 });
    expect(await h.queue.cancel(started.id, bob)).toBe("cancelled");
    expect(await h.queue.waitUntilFinished(started.id, 1000)).toMatchObject({
      state: "cancelled",
      attempts: 0,
    });
    expect(h.chat.last(started.message!.messageId)).toMatchObject({
      tone: "warning",
      text: `Cancelled by ${mention(bob)}.`,
    });
    h.startWorker();
    await sleep(300);
    expect(calls.steps).toEqual([]);
    expect(await h.queue.cancel(started.id, bob)).toBe("already-finished");
    expect(await h.queue.cancel("j999", bob)).toBe("not-found");
    expect(h.audit.records).toEqual([expect.objectContaining({ outcome: "cancelled", jobId: started.id })]);
    expect(await h.queue.counts()).toMatchObject({ waiting: 0, cancelled: 1 });
  });

  it("waitUntilFinished returns the unfinished job at its timeout and undefined for an unknown id", async () => {
    h = harness([buildJob(newCalls())]);
    const started = await h.start("template.build", { vmid: 9007 });
    const before = Date.now();
    expect(await h.queue.waitUntilFinished(started.id, 200)).toMatchObject({ state: "waiting" });
    expect(Date.now() - before).toBeGreaterThanOrEqual(190);
    expect(await h.queue.waitUntilFinished("j404", 200)).toBeUndefined();
    // Ids that would name BullMQ's own keys are unknown jobs, not errors.
    for (const id of ["wait", "meta", "j1:x", ""]) {
      expect(await h.queue.get(id)).toBeUndefined();
      expect(await h.queue.cancel(id, bob)).toBe("not-found");
    }
    expect(await h.queue.list({ state: "waiting" })).toEqual([expect.objectContaining({ id: started.id })]);
  });

  it("fails a job whose type this worker does not know, with a card and an audit record", async () => {
    h = harness([buildJob(newCalls())]);
    const other = {
      type: "other",
      title: () => "Other",
      steps: [{ name: "s", label: "S", run: async () => {} }],
    };
    h.startWorker({ registry: createJobRegistry([other]) });
    const started = await h.start("template.build", { vmid: 9009 });
    const info = await h.queue.waitUntilFinished(started.id, 15_000);
    expect(info).toMatchObject({
      state: "failed",
      error: 'unknown job type "template.build"; known types: other',
    });
    expect(h.chat.last(started.message!.messageId)).toMatchObject({
      tone: "danger",
      text: 'Failed: unknown job type "template.build"; known types: other',
    });
    expect(h.audit.records).toEqual([expect.objectContaining({ outcome: "failed", jobId: started.id })]);
  });

  it("finishes the job even when the chat rejects every edit", async () => {
    const calls = newCalls();
    h = harness([buildJob(calls)]);
    h.chat.failures = 1_000;
    h.startWorker();
    const started = await h.start("template.build", { vmid: 9010 });
    const info = await h.queue.waitUntilFinished(started.id, 15_000);
    expect(info?.state).toBe("completed");
    expect(calls.steps.map((s) => s.name)).toEqual(["create", "import", "convert"]);
    expect(h.chat.edits).toEqual([]);
    expect(h.log.lines.filter((l) => l.msg === "job card update failed").length).toBeGreaterThanOrEqual(3);
    expect(h.audit.records.map((r) => r.outcome)).toEqual(["completed"]);
  });

  it("refuses an unknown type or bad data before posting or queueing anything", async () => {
    h = harness([buildJob(newCalls())]);
    await expect(h.start("template.nuke")).rejects.toThrow(
      'unknown job type "template.nuke"; known types: template.build',
    );
    await expect(h.start("template.build", { vmid: 5 })).rejects.toMatchObject({ code: "E_ARGS" });
    await expect(
      h.queue.start({
        type: "template.build",
        data: { vmid: 9008 },
        requestedBy: alice,
        conversation: { platform: "slack", channelId: "C1" },
        requestId: "r",
      }),
    ).rejects.toMatchObject({ code: "E_JOB" });
    expect(h.chat.posts).toEqual([]);
    expect(await h.queue.list({})).toEqual([]);
  });
});
