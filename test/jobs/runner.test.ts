import { describe, expect, it } from "vitest";
import { TransientError, UserError } from "../../src/services/errors.js";
import type { JobDefinition } from "../../src/services/jobs/definition.js";
import type { CardSink } from "../../src/services/jobs/progress.js";
import {
  finalizeAbandoned,
  initialRun,
  type PersistedRun,
  type RunJobOptions,
  runJob,
} from "../../src/services/jobs/runner.js";
import { plainMentions } from "../../src/services/vocabulary/mention.js";
import type { Reply } from "../../src/services/vocabulary/reply.js";
import { captureLog } from "./support.js";

const alice = { platform: "console" as const, id: "alice", name: "Alice", groups: [] };
const bob = { platform: "console" as const, id: "bob", name: "Bob", groups: [] };

class RecordingSink implements CardSink {
  readonly states: Reply[] = [];
  finals: Reply[] = [];
  set(reply: Reply): void {
    this.states.push(reply);
  }
  async flush(final: Reply): Promise<boolean> {
    this.finals.push(final);
    return true;
  }
}

interface Trace {
  ran: string[];
  cleaned: unknown[];
}

function definition(trace: Trace, failAt?: { step: string; error: () => Error }): JobDefinition {
  const step = (name: string, label: string) => ({
    name,
    label,
    async run(ctx: Parameters<JobDefinition["steps"][number]["run"]>[0]) {
      trace.ran.push(name);
      ctx.progress(0.5, `${name} halfway`);
      if (failAt?.step === name) throw failAt.error();
      ctx.state[name] = true;
    },
  });
  return {
    type: "sample",
    title: () => "Sample job",
    steps: [
      step("create", "create VM"),
      step("configure", "configure VM"),
      step("convert", "convert to template"),
    ],
    async cleanup(ctx) {
      trace.cleaned.push(structuredClone(ctx.state));
      return ctx.state.create ? ["VM 9001"] : [];
    },
    summary: (ctx) => [{ label: "Steps done", value: String(Object.keys(ctx.state).length) }],
  };
}

function options(def: JobDefinition, overrides: Partial<RunJobOptions> = {}) {
  const saved: PersistedRun[] = [];
  const sink = new RecordingSink();
  let now = 1000;
  const opts: RunJobOptions = {
    definition: def,
    card: { jobId: "j1", title: "Sample job", requestedBy: alice },
    data: {},
    requestId: "req-1",
    attempt: 1,
    maxAttempts: 3,
    retryDelayMs: (n) => 1000 * 2 ** (n - 1),
    run: initialRun(),
    persist: async (run) => {
      saved.push(structuredClone(run));
    },
    cancelRequest: async () => undefined,
    signal: new AbortController().signal,
    sink,
    clock: { now: () => (now += 250) },
    log: captureLog(),
    ...overrides,
  };
  return { opts, saved, sink };
}

describe("runJob", () => {
  it("runs every step in order, saves after each and delivers a completed card with the summary", async () => {
    const trace: Trace = { ran: [], cleaned: [] };
    const { opts, saved, sink } = options(definition(trace));
    const outcome = await runJob(opts);
    expect(outcome.kind).toBe("completed");
    expect(trace.ran).toEqual(["create", "configure", "convert"]);
    expect(saved.map((r) => r.nextStep)).toEqual([1, 2, 3]);
    expect(sink.states.map((s) => s.progress?.step)).toContain("step 2/3: configure VM (configure halfway)");
    expect(sink.states.map((s) => s.progress?.fraction)).toContain(0.5);
    const final = sink.finals[0]!;
    expect(final.tone).toBe("success");
    expect(final.fields).toContainEqual({ label: "Steps done", value: "3" });
    expect(final.buttons).toBeUndefined();
    expect(trace.cleaned).toEqual([]);
  });

  it("resumes after the last completed step with the saved state", async () => {
    const trace: Trace = { ran: [], cleaned: [] };
    const run: PersistedRun = { nextStep: 2, state: { create: true, configure: true }, startedAt: 0 };
    const { opts } = options(definition(trace), { run, attempt: 2 });
    await runJob(opts);
    expect(trace.ran).toEqual(["convert"]);
    expect(run.state).toEqual({ create: true, configure: true, convert: true });
  });

  it("rethrows a transient error while tries are left and shows when it retries", async () => {
    const trace: Trace = { ran: [], cleaned: [] };
    const error = new TransientError("PVE answered 503");
    const { opts, saved, sink } = options(definition(trace, { step: "configure", error: () => error }), {
      attempt: 2,
    });
    await expect(runJob(opts)).rejects.toBe(error);
    expect(saved.at(-1)).toMatchObject({ nextStep: 1, state: { create: true } });
    expect(sink.finals[0]!.tone).toBe("warning");
    expect(sink.finals[0]!.text).toBe("PVE answered 503; retrying in 2s (attempt 3 of 3).");
    expect(sink.finals[0]!.progress?.step).toBe("step 2/3: configure VM failed");
    expect(trace.cleaned).toEqual([]);
  });

  it("fails a transient error on the last try, cleans up and names the step", async () => {
    const trace: Trace = { ran: [], cleaned: [] };
    const { opts, sink } = options(
      definition(trace, { step: "configure", error: () => new TransientError("PVE answered 503") }),
      { attempt: 3 },
    );
    const outcome = await runJob(opts);
    expect(outcome).toMatchObject({ kind: "failed", step: { index: 1, label: "configure VM" } });
    expect(trace.cleaned).toEqual([{ create: true }]);
    expect(sink.finals[0]!.text).toBe("Failed at step 2/3: configure VM: PVE answered 503");
    expect(sink.finals[0]!.fields).toContainEqual({ label: "Cleanup", value: "removed VM 9001" });
  });

  it("shows the PVE message and the task log tail of a non-transient failure", async () => {
    const trace: Trace = { ran: [], cleaned: [] };
    const pveError = () =>
      Object.assign(new UserError("E_PVE", "command 'qm set' failed: exit code 255"), {
        taskLog: Array.from({ length: 30 }, (_, i) => `line ${i + 1}`),
      });
    const { opts, sink } = options(definition(trace, { step: "convert", error: pveError }));
    const outcome = await runJob(opts);
    expect(outcome.kind).toBe("failed");
    const card = sink.finals[0]!;
    expect(card.tone).toBe("danger");
    expect(card.errorCode).toBe("E_PVE");
    expect(card.code?.split("\n")).toEqual(Array.from({ length: 12 }, (_, i) => `line ${i + 19}`));
  });

  it("hides the message of an unexpected error behind the request id", async () => {
    const trace: Trace = { ran: [], cleaned: [] };
    const { opts, sink } = options(
      definition(trace, { step: "create", error: () => new TypeError("token=abc123 is not a function") }),
    );
    await runJob(opts);
    expect(sink.finals[0]!.text).toBe("Failed at step 1/3: create VM: internal error, ref req-1");
    expect(JSON.stringify(sink.finals[0])).not.toContain("abc123");
  });

  it("stops between steps on a cancel request and cleans up", async () => {
    const trace: Trace = { ran: [], cleaned: [] };
    let checks = 0;
    const { opts, sink } = options(definition(trace), {
      cancelRequest: async () => (++checks >= 2 ? { by: bob } : undefined),
    });
    const outcome = await runJob(opts);
    expect(outcome).toMatchObject({ kind: "cancelled", by: bob, step: { index: 1 } });
    expect(trace.ran).toEqual(["create"]);
    expect(trace.cleaned).toEqual([{ create: true }]);
    expect(plainMentions(sink.finals[0]!.text ?? "")).toBe("Cancelled by @Bob at step 2/3: configure VM.");
  });

  it("treats a step that fails because its signal was aborted as cancelled", async () => {
    const controller = new AbortController();
    let cleaned = false;
    const def: JobDefinition = {
      type: "wait",
      title: () => "Wait",
      steps: [
        {
          name: "wait",
          label: "wait for PVE",
          run: (ctx) =>
            new Promise((_, reject) => {
              ctx.signal.addEventListener("abort", () => reject(new Error("aborted")));
              controller.abort();
            }),
        },
      ],
      cleanup: async (ctx) => {
        cleaned = !ctx.signal.aborted;
      },
    };
    const { opts } = options(def, { signal: controller.signal });
    const outcome = await runJob(opts);
    expect(outcome.kind).toBe("cancelled");
    expect(cleaned).toBe(true);
  });

  it("reports a failing cleanup on the card instead of throwing", async () => {
    const def: JobDefinition = {
      ...definition(
        { ran: [], cleaned: [] },
        { step: "create", error: () => new UserError("E_PVE", "no space") },
      ),
      cleanup: async () => {
        throw new UserError("E_PVE_LOCKED", "VM 9001 is locked (clone)");
      },
    };
    const { opts, sink } = options(def);
    const outcome = await runJob(opts);
    expect(outcome).toMatchObject({
      kind: "failed",
      cleanup: { ran: true, error: "VM 9001 is locked (clone)" },
    });
    expect(sink.finals[0]!.fields).toContainEqual({
      label: "Cleanup",
      value: "cleanup failed: VM 9001 is locked (clone); check for leftovers",
    });
  });

  it("finalizes an abandoned job from its persisted state", async () => {
    const trace: Trace = { ran: [], cleaned: [] };
    const { opts, sink } = options(definition(trace), { run: { nextStep: 1, state: { create: true } } });
    const outcome = await finalizeAbandoned({
      ...opts,
      error: new UserError("E_JOB", "job stalled more than allowable limit"),
      attempts: 2,
    });
    expect(outcome.kind).toBe("failed");
    expect(trace.ran).toEqual([]);
    expect(trace.cleaned).toEqual([{ create: true }]);
    expect(sink.finals[0]!.text).toBe(
      "Failed at step 2/3: configure VM: job stalled more than allowable limit",
    );
  });
});
