/**
 * The job card and the outcome record around a queued job, whatever queue runs it: the card posted when
 * the job is started, the card and record of a job cancelled before it ran, and the final record (then
 * the audit entry) of every outcome. The queue adapter keeps only enqueueing, queue state and cancel
 * flags, and calls this at those moments.
 */
import type { AuditLog, Clock, JobFinalRecords, Log, NotifierByPlatform } from "../ports.js";
import type { Actor, MessageRef } from "../vocabulary/identity.js";
import type { FailureView } from "./failure.js";
import type { JobPayload, StartJobRequest } from "./model.js";
import { jobAuditRecord, outcomeDetail } from "./outcome-audit.js";
import { notifierFor } from "./progress.js";
import { type JobCard, renderCancelled, renderFailed, renderQueued } from "./render.js";
import type { JobOutcome } from "./runner.js";

export interface JobBookkeepingDeps {
  notifiers: NotifierByPlatform;
  records: JobFinalRecords;
  /** Absent: outcomes are recorded for `waitUntilFinished` but not audited (a front-end without audit). */
  audit?: AuditLog;
  clock: Clock;
  log: Log;
}

const NOTHING_CLEANED = { ran: false, undone: [] };

export function cardOf(id: string, payload: Pick<JobPayload, "title" | "requestedBy">): JobCard {
  return { jobId: id, title: payload.title, requestedBy: payload.requestedBy };
}

export class JobBookkeeping {
  constructor(private readonly deps: JobBookkeepingDeps) {}

  /**
   * Posts the queued card. The platform's notifier is looked up before `allocateId` runs, so a start into
   * a chat that is not connected fails without using up a job number.
   */
  async openCard(
    request: StartJobRequest,
    title: string,
    allocateId: () => Promise<string>,
  ): Promise<{ id: string; card: JobCard; message: MessageRef }> {
    const notifier = notifierFor(this.deps.notifiers, request.conversation.platform);
    const id = await allocateId();
    const card = { jobId: id, title, requestedBy: request.requestedBy };
    const message = await notifier.post(request.conversation, renderQueued(card));
    return { id, card, message };
  }

  /** The job could not be queued: its card says so, naming the request for the logs. Never throws. */
  async enqueueFailed(card: JobCard, message: MessageRef, requestId: string): Promise<void> {
    const failure = {
      code: "E_INTERNAL",
      message: `could not queue the job, ref ${requestId}`,
      taskLog: [],
      shown: false,
    };
    const reply = renderFailed(card, { failure, cleanup: NOTHING_CLEANED, attempts: 0 });
    try {
      await notifierFor(this.deps.notifiers, message.platform).update(message, reply);
    } catch (err) {
      this.deps.log.warn({ err, jobId: card.jobId }, "job card update failed");
    }
  }

  /** A job removed from the queue before any worker touched it: its card, its record, its audit entry. */
  async cancelledBeforeStart(id: string, payload: JobPayload, by: Actor): Promise<void> {
    const notifier = this.deps.notifiers[payload.message.platform];
    let delivered = false;
    try {
      await notifier?.update(
        payload.message,
        renderCancelled(cardOf(id, payload), { by, cleanup: NOTHING_CLEANED }),
      );
      delivered = notifier !== undefined;
    } catch (err) {
      this.deps.log.warn({ err, jobId: id }, "job card update failed");
    }
    const finishedAt = this.deps.clock.now();
    await this.deps.records.finish(id, {
      outcome: "cancelled",
      finishedAt,
      attempts: 0,
      delivered,
      cancelledBy: by,
    });
    await this.audit(
      jobAuditRecord(id, payload, "cancelled", finishedAt, `cancelled by ${by.name} before it started`),
      id,
    );
  }

  /**
   * Records a final outcome once its card went out (or could not): the record first, because waiting for
   * a job ends on it, then the audit entry.
   */
  async recordOutcome(id: string, payload: JobPayload, outcome: JobOutcome, attempts: number): Promise<void> {
    const finishedAt = this.deps.clock.now();
    await this.deps.records.finish(id, {
      outcome: outcome.kind,
      finishedAt,
      attempts,
      delivered: outcome.delivered,
      ...(outcome.kind === "failed" ? { error: outcome.failure.message } : {}),
      ...(outcome.kind === "cancelled" && outcome.by ? { cancelledBy: outcome.by } : {}),
    });
    const durationMs = outcome.kind === "completed" ? outcome.durationMs : undefined;
    await this.audit(
      jobAuditRecord(id, payload, outcome.kind, finishedAt, outcomeDetail(outcome), durationMs),
      id,
    );
  }

  /**
   * The queue gave up on a job that this process cannot clean up (no definition or notifier here): the
   * failed card shows what is known, and the outcome is returned for `recordOutcome`.
   */
  async failedWithoutCleanup(
    id: string,
    payload: JobPayload,
    failure: FailureView,
    attempts: number,
  ): Promise<JobOutcome> {
    const reply = renderFailed(cardOf(id, payload), { failure, cleanup: NOTHING_CLEANED, attempts });
    const notifier = this.deps.notifiers[payload.message.platform];
    const delivered = await (
      notifier?.update(payload.message, reply).then(() => true) ?? Promise.resolve(false)
    ).catch(() => false);
    return { kind: "failed", failure, cleanup: NOTHING_CLEANED, delivered };
  }

  private async audit(record: Parameters<AuditLog["append"]>[0], jobId: string): Promise<void> {
    await this.deps.audit
      ?.append(record)
      .catch((err: unknown) => this.deps.log.error({ err, jobId }, "audit append failed"));
  }
}
