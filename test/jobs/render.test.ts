import { describe, expect, it } from "vitest";
import { bullPrefixFor, connectionFromUrl } from "../../src/adapters/queue/connection.js";
import { retryDelay } from "../../src/adapters/queue/job-worker.js";
import { schedulerActor } from "../../src/services/approvals/scheduler.js";
import { TransientError, UserError } from "../../src/services/errors.js";
import { formatDuration } from "../../src/services/format.js";
import { createJobRegistry, resolveJob } from "../../src/services/jobs/definition.js";
import { describeFailure } from "../../src/services/jobs/failure.js";
import {
  cancelActionId,
  overallFraction,
  renderCancelled,
  renderCompleted,
  renderFailed,
  renderQueued,
  renderRetrying,
  renderRunning,
} from "../../src/services/jobs/render.js";
import { ProxmoxTaskError } from "../../src/services/proxmox.js";
import { mention, plainMentions } from "../../src/services/vocabulary/mention.js";
import type { Reply } from "../../src/services/vocabulary/reply.js";

const card = {
  jobId: "j7",
  title: "Build template ubuntu-24.04",
  requestedBy: { platform: "slack" as const, id: "U1", name: "alice", groups: [] },
};
const step = { index: 1, count: 4, label: "import disk" };

/** How often `needle` appears anywhere a reader sees it: title, text, fields, progress line. */
function timesShown(reply: Reply, needle: string): number {
  const seen = [
    reply.title,
    reply.text,
    ...(reply.fields ?? []).map((f) => `${f.label}: ${f.value}`),
    reply.progress?.step,
  ].join("\n");
  return seen.split(needle).length - 1;
}

describe("job cards", () => {
  it("queued: info, zero progress, a confirmable Cancel button carrying only the job id", () => {
    const reply = renderQueued(card);
    expect(reply).toMatchObject({
      title: "Build template ubuntu-24.04",
      tone: "info",
      visibility: "channel",
      jobId: "j7",
      progress: { fraction: 0, step: "queued, waiting for a worker" },
      fields: [
        { label: "Job", value: "j7" },
        { label: "Requested by", value: mention(card.requestedBy) },
      ],
    });
    expect(reply.buttons).toEqual([expect.objectContaining({ id: "job:j7:cancel", style: "danger" })]);
    expect(reply.buttons![0]!.confirm).toBeDefined();
    expect(cancelActionId("j7")).toBe("job:j7:cancel");
  });

  it("running: whole-job fraction and 'step k/n: label'; the attempt only once there were retries", () => {
    const first = renderRunning(card, { step, withinStep: 0.5, detail: "42%", attempt: 1, maxAttempts: 3 });
    expect(first.progress).toEqual({ fraction: 0.375, step: "step 2/4: import disk (42%)" });
    // The step is named once: in the progress line, not again in the text.
    expect(first.text).toBeUndefined();
    expect(timesShown(first, "import disk")).toBe(1);
    expect(first.fields?.map((f) => f.label)).not.toContain("Attempt");
    const retried = renderRunning(card, { step, withinStep: 0, attempt: 2, maxAttempts: 3 });
    expect(retried.fields).toContainEqual({ label: "Attempt", value: "2 of 3" });
  });

  it("keeps the fraction inside 0..1 whatever a step reports", () => {
    expect(overallFraction(step, 7)).toBe(0.5);
    expect(overallFraction(step, -1)).toBe(0.25);
    expect(overallFraction(step, Number.NaN)).toBe(0.25);
    expect(overallFraction({ index: 3, count: 4, label: "x" }, 1)).toBe(1);
  });

  it("retrying: the failure and the wait in the text, the step once in the progress line", () => {
    const failure = describeFailure(new TransientError("connection reset"), "r");
    const reply = renderRetrying(card, { step, failure, attempt: 1, maxAttempts: 3, delayMs: 2000 });
    expect(reply.text).toBe("connection reset; retrying in 2s (attempt 2 of 3).");
    expect(reply.progress?.step).toBe("step 2/4: import disk failed");
    expect(timesShown(reply, "import disk")).toBe(1);
  });

  it("completed: success, the result and duration once, summary fields, no buttons or progress", () => {
    const reply = renderCompleted(card, {
      durationMs: 185_000,
      summary: [{ label: "Template", value: "9000" }],
    });
    expect(reply.tone).toBe("success");
    expect(reply.text).toBe("Completed in 3m 05s.");
    expect(reply.fields).toEqual([
      { label: "Job", value: "j7" },
      { label: "Requested by", value: mention(card.requestedBy) },
      { label: "Template", value: "9000" },
    ]);
    expect(timesShown(reply, "3m 05s")).toBe(1);
    expect(reply.progress).toBeUndefined();
    expect(reply.buttons).toBeUndefined();
  });

  it("failed: danger, the step, the message, the task log and what was cleaned up", () => {
    const failure = describeFailure(
      Object.assign(new UserError("E_PVE", "VM 9000 is locked (clone)"), {
        taskLog: ["a", "TASK ERROR: locked"],
      }),
      "r1",
    );
    const reply = renderFailed(card, {
      step,
      failure,
      cleanup: { ran: true, undone: ["VM 9000"] },
      attempts: 1,
    });
    expect(reply).toMatchObject({
      tone: "danger",
      text: "Failed at step 2/4: import disk: VM 9000 is locked (clone)",
      code: "a\nTASK ERROR: locked",
      errorCode: "E_PVE",
    });
    expect(reply.fields).toContainEqual({ label: "Cleanup", value: "removed VM 9000" });
    expect(timesShown(reply, "import disk")).toBe(1);
    const noCleanup = renderFailed(card, { failure, cleanup: { ran: false, undone: [] }, attempts: 3 });
    expect(noCleanup.text).toBe("Failed: VM 9000 is locked (clone)");
    expect(noCleanup.fields).toContainEqual({ label: "Cleanup", value: "nothing to clean up" });
  });

  it("cancelled: who cancelled and the cleanup", () => {
    const by = { platform: "slack" as const, id: "U2", name: "bob", groups: [] };
    const reply = renderCancelled(card, { by, step, cleanup: { ran: true, undone: [] } });
    expect(reply.text).toBe(`Cancelled by ${mention(by)} at step 2/4: import disk.`);
    expect(plainMentions(reply.text ?? "")).toBe("Cancelled by @bob at step 2/4: import disk.");
    expect(timesShown(reply, "bob")).toBe(1);
    expect(reply.fields).toContainEqual({ label: "Cleanup", value: "done, nothing was left" });
    expect(reply.buttons).toBeUndefined();
  });

  it("names a person by mention, and the bot's own scheduler by name (nobody to notify)", () => {
    const scheduled = renderQueued({ ...card, requestedBy: schedulerActor("slack") });
    expect(scheduled.fields).toContainEqual({ label: "Requested by", value: "Scheduled refresh" });
    expect(renderQueued(card).fields).toContainEqual({
      label: "Requested by",
      value: "‹@user:slack:U1|alice›",
    });
  });

  it("formats durations for people", () => {
    expect([850, 42_000, 185_000, 3_720_000].map(formatDuration)).toEqual([
      "850ms",
      "42s",
      "3m 05s",
      "1h 02m",
    ]);
  });
});

describe("describeFailure", () => {
  it("shows coded, transient and PVE errors with PVE's parameter errors", () => {
    expect(describeFailure(new TransientError("connection reset"), "r")).toMatchObject({
      code: "E_JOB",
      message: "connection reset",
      shown: true,
    });
    const pve = Object.assign(new Error("Parameter verification failed."), {
      status: 400,
      errors: { vmid: "invalid format - value does not look like a valid VM ID\n" },
    });
    expect(describeFailure(pve, "r").message).toBe(
      "Parameter verification failed. (vmid: invalid format - value does not look like a valid VM ID)",
    );
  });

  it("hides unexpected errors and non-errors behind the request id", () => {
    expect(describeFailure(new Error("password=hunter2"), "req-9")).toEqual({
      code: "E_INTERNAL",
      message: "internal error, ref req-9",
      taskLog: [],
      shown: false,
    });
    expect(describeFailure("boom", "req-9").message).toBe("internal error, ref req-9");
  });

  it("keeps only the last task log lines and clips long ones", () => {
    const taskLog = [...Array.from({ length: 40 }, (_, i) => `l${i}`), "x".repeat(500)];
    const view = describeFailure(Object.assign(new Error("task failed"), { taskLog }), "r");
    expect(view.taskLog).toHaveLength(12);
    expect(view.taskLog.at(-1)).toHaveLength(200);
    expect(view.taskLog[0]).toBe("l29");
  });

  it("shows a Proxmox task failure's own log tail", () => {
    const err = new ProxmoxTaskError(
      "import failed on pve1",
      "UPID:pve1:1:2:3:qmcreate:9001:bot@pve!x:",
      "ERROR",
      ["importing disk", "TASK ERROR: no space left"],
    );
    expect(describeFailure(err, "r")).toMatchObject({
      code: "E_PVE",
      message: "import failed on pve1",
      taskLog: ["importing disk", "TASK ERROR: no space left"],
      shown: true,
    });
  });
});

describe("registry", () => {
  const job = { type: "a", title: () => "A", steps: [{ name: "s", label: "S", run: async () => {} }] };

  it("refuses duplicate types and step-less definitions at start", () => {
    expect(() => createJobRegistry([job, job])).toThrow('job type "a" is defined twice');
    expect(() => createJobRegistry([{ ...job, type: "b", steps: [] }])).toThrow('job type "b" has no steps');
  });

  it("turns a parse failure into an E_ARGS user error naming the type", () => {
    const registry = createJobRegistry([
      {
        ...job,
        parse: (raw: unknown) => {
          if (typeof raw !== "string") throw new TypeError("expected a string");
          return raw;
        },
      },
    ]);
    expect(resolveJob(registry, "a", "ok").data).toBe("ok");
    expect(() => resolveJob(registry, "a", 5)).toThrow('invalid data for job type "a": expected a string');
    expect(() => resolveJob(registry, "zz", 5)).toThrow(expect.objectContaining({ code: "E_ARGS" }));
  });
});

describe("queue settings", () => {
  it("derives the BullMQ prefix from the deployment prefix", () => {
    expect(bullPrefixFor("pvebot:")).toBe("pvebot:bull");
  });

  it("parses Redis URLs, including credentials, database and TLS", () => {
    expect(connectionFromUrl("redis://127.0.0.1:6380/2")).toEqual({ host: "127.0.0.1", port: 6380, db: 2 });
    expect(connectionFromUrl("rediss://bot:p%40ss@redis.internal")).toEqual({
      host: "redis.internal",
      port: 6379,
      username: "bot",
      password: "p@ss",
      tls: { rejectUnauthorized: true },
    });
    expect(() => connectionFromUrl("http://x")).toThrow("redis:// or rediss://");
    expect(() => connectionFromUrl("redis://x/abc")).toThrow("must be a number");
  });

  it("computes the retry delay BullMQ will use", () => {
    expect([1, 2, 3].map((n) => retryDelay({ type: "exponential", delay: 1000 }, n))).toEqual([
      1000, 2000, 4000,
    ]);
    expect(retryDelay({ type: "fixed", delay: 500 }, 3)).toBe(500);
    expect(retryDelay(undefined, 1)).toBe(0);
    expect(retryDelay(750, 2)).toBe(750);
    expect(() => retryDelay({ type: "linear", delay: 100 }, 1)).toThrow(/unknown backoff strategy "linear"/);
  });
});
