/**
 * The jobs service around any queue: card posting, the card and record of a job cancelled before it ran,
 * and the final record that precedes its audit entry. No queue library runs here; the records port is a
 * map, as a queue adapter's store would be.
 */
import { describe, expect, it } from "vitest";
import { JobBookkeeping } from "../../src/services/jobs/bookkeeping.js";
import type { JobFinal, JobPayload } from "../../src/services/jobs/model.js";
import type { JobFinalRecords } from "../../src/services/ports.js";
import type { Actor } from "../../src/services/vocabulary/identity.js";
import { captureLog, RecordingAudit, RecordingNotifier } from "./support.js";

const alice: Actor = { platform: "console", id: "alice", name: "Alice", groups: [] };
const bob: Actor = { platform: "console", id: "bob", name: "Bob", groups: [] };
const conversation = { platform: "console" as const, channelId: "ops" };
const clock = { now: () => 1_750_000_000_000 };

function rig() {
  const notifier = new RecordingNotifier(clock);
  const audit = new RecordingAudit();
  const finals = new Map<string, JobFinal>();
  const order: string[] = [];
  const records: JobFinalRecords = {
    async finish(id, final) {
      order.push(`final ${id}`);
      finals.set(id, final);
    },
  };
  const auditInOrder = {
    ...audit,
    append: async (record: Parameters<RecordingAudit["append"]>[0]) => {
      order.push(`audit ${record.jobId}`);
      return audit.append(record);
    },
    query: audit.query.bind(audit),
    scan: audit.scan.bind(audit),
  };
  const log = captureLog();
  const bookkeeping = new JobBookkeeping({
    notifiers: { console: notifier },
    records,
    audit: auditInOrder,
    clock,
    log,
  });
  return { notifier, audit, finals, order, bookkeeping, log };
}

const request = { type: "sample", data: {}, requestedBy: alice, conversation, requestId: "req-1" };

describe("jobs service bookkeeping", () => {
  it("refuses a start into an unconnected chat before it uses up a job number", async () => {
    const { bookkeeping } = rig();
    let allocated = 0;
    const slack = { ...request, conversation: { platform: "slack" as const, channelId: "C1" } };
    await expect(bookkeeping.openCard(slack, "Sample", async () => `j${++allocated}`)).rejects.toThrow(
      /slack/,
    );
    expect(allocated).toBe(0);
  });

  it("posts the queued card and, when queueing fails, edits it into a failure naming the request", async () => {
    const { bookkeeping, notifier } = rig();
    const { id, card, message } = await bookkeeping.openCard(request, "Sample", async () => "j7");
    expect(id).toBe("j7");
    expect(notifier.posts[0]?.reply.title).toContain("Sample");
    await bookkeeping.enqueueFailed(card, message, "req-1");
    expect(notifier.last(message.messageId)?.tone).toBe("danger");
    expect(JSON.stringify(notifier.last(message.messageId))).toContain("could not queue the job, ref req-1");
  });

  it("records a cancel before start: card, then record, then audit; a failed edit is logged, not thrown", async () => {
    const { bookkeeping, notifier, finals, order, audit, log } = rig();
    const { message } = await bookkeeping.openCard(request, "Sample", async () => "j8");
    const payload: JobPayload = { ...request, title: "Sample", message, createdAt: clock.now() };
    notifier.failures = 1;
    await bookkeeping.cancelledBeforeStart("j8", payload, bob);
    expect(finals.get("j8")).toMatchObject({ outcome: "cancelled", delivered: false, cancelledBy: bob });
    expect(order).toEqual(["final j8", "audit j8"]);
    expect(audit.records[0]).toMatchObject({
      outcome: "cancelled",
      detail: "cancelled by Bob before it started",
    });
    expect(log.lines.some((l) => l.msg === "job card update failed")).toBe(true);
  });

  it("records a failed outcome with its error before auditing it", async () => {
    const { bookkeeping, finals, order, audit } = rig();
    const { message } = await bookkeeping.openCard(request, "Sample", async () => "j9");
    const payload: JobPayload = { ...request, title: "Sample", message, createdAt: clock.now() };
    const failure = { code: "E_PVE", message: "storage full", taskLog: [], shown: true };
    const outcome = await bookkeeping.failedWithoutCleanup("j9", payload, failure, 2);
    expect(outcome).toMatchObject({ kind: "failed", delivered: true });
    await bookkeeping.recordOutcome("j9", payload, outcome, 2);
    expect(finals.get("j9")).toMatchObject({ outcome: "failed", attempts: 2, error: "storage full" });
    expect(order).toEqual(["final j9", "audit j9"]);
    expect(audit.records[0]).toMatchObject({ kind: "job", outcome: "failed", detail: "storage full" });
  });
});
