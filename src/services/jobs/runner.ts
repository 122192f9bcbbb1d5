/**
 * The step runner, independent of any queue library. It runs a definition's steps from the persisted
 * position, checks for cancellation between steps, reports progress on the job card, and decides what a
 * failure means: a transient error with attempts left is rethrown so the queue retries it later; any other
 * failure, and a cancel, runs the cleanup and delivers the final card. The queue adapter supplies
 * persistence, the cancel flag and the card.
 */

import { isTransient } from "../errors.js";
import type { Clock, Log } from "../ports.js";
import type { Actor } from "../vocabulary/identity.js";
import type { ReplyField } from "../vocabulary/reply.js";
import type { JobDefinition, JobRunContext, JsonObject } from "./definition.js";
import { describeFailure, type FailureView } from "./failure.js";
import type { CardSink } from "./progress.js";
import {
  type CleanupReport,
  type JobCard,
  renderCancelled,
  renderCompleted,
  renderFailed,
  renderRetrying,
  renderRunning,
  type StepRef,
} from "./render.js";

/** What survives between steps, attempts and worker restarts. */
export interface PersistedRun {
  /** Index of the first step not yet completed. */
  nextStep: number;
  state: JsonObject;
  /** When the first attempt started, for the duration on the final card. */
  startedAt?: number;
}

export function initialRun(): PersistedRun {
  return { nextStep: 0, state: {} };
}

export interface CancelRequest {
  /** Undefined when the stop came from the worker itself rather than a user. */
  by?: Actor;
}

export interface RunJobOptions {
  definition: JobDefinition;
  card: JobCard;
  data: unknown;
  requestId: string;
  /** 1-based try number. */
  attempt: number;
  maxAttempts: number;
  /** Delay before the next try after `attempt` failed; shown on the retry card. */
  retryDelayMs(attempt: number): number;
  run: PersistedRun;
  persist(run: PersistedRun): Promise<void>;
  /** Reads the cancel flag; consulted between steps. */
  cancelRequest(): Promise<CancelRequest | undefined>;
  /** Aborted when a cancel is noticed while a step runs. */
  signal: AbortSignal;
  sink: CardSink;
  /** Called as each step starts, e.g. to record progress where `get` can read it. */
  onStep?(step: StepRef): Promise<void>;
  clock: Clock;
  log: Log;
}

export type JobOutcome =
  | { kind: "completed"; durationMs: number; summary: ReplyField[]; delivered: boolean }
  | { kind: "failed"; step?: StepRef; failure: FailureView; cleanup: CleanupReport; delivered: boolean }
  | { kind: "cancelled"; by?: Actor; step?: StepRef; cleanup: CleanupReport; delivered: boolean };

function stepRef(definition: JobDefinition, index: number): StepRef {
  const step = definition.steps[index];
  return { index, count: definition.steps.length, label: step?.label ?? "finishing" };
}

function makeContext(
  options: RunJobOptions,
  signal: AbortSignal,
  progress: JobRunContext<unknown>["progress"],
): JobRunContext<unknown> {
  const { run } = options;
  return {
    jobId: options.card.jobId,
    data: options.data,
    requestedBy: options.card.requestedBy,
    attempt: options.attempt,
    get state() {
      return run.state;
    },
    set state(next: JsonObject) {
      run.state = next;
    },
    save: () => options.persist(run),
    progress,
    signal,
    log: options.log,
  };
}

/** Runs the definition's cleanup; its own failure is reported, not thrown, so the final card still goes out. */
export async function runCleanup(
  options: Pick<RunJobOptions, "definition" | "requestId" | "log">,
  ctx: JobRunContext<unknown>,
): Promise<CleanupReport> {
  if (!options.definition.cleanup) return { ran: false, undone: [] };
  try {
    const undone = await options.definition.cleanup(ctx);
    return { ran: true, undone: Array.isArray(undone) ? undone.filter((u) => typeof u === "string") : [] };
  } catch (err) {
    options.log.error({ err, jobId: ctx.jobId }, "job cleanup failed");
    return { ran: true, undone: [], error: describeFailure(err, options.requestId).message };
  }
}

/** A context for cleanup: never aborted (a cancel must still be able to clean up), no progress. */
function cleanupContext(options: RunJobOptions): JobRunContext<unknown> {
  return makeContext(options, new AbortController().signal, () => {});
}

async function cancelNow(options: RunJobOptions): Promise<CancelRequest | undefined> {
  const request = await options.cancelRequest();
  if (request) return request;
  return options.signal.aborted ? {} : undefined;
}

async function cancelled(
  options: RunJobOptions,
  request: CancelRequest,
  step?: StepRef,
): Promise<JobOutcome> {
  options.log.info({ jobId: options.card.jobId, by: request.by?.id, step: step?.label }, "job cancelled");
  const cleanup = await runCleanup(options, cleanupContext(options));
  const view = { cleanup, ...(request.by ? { by: request.by } : {}), ...(step ? { step } : {}) };
  const delivered = await options.sink.flush(renderCancelled(options.card, view));
  return { kind: "cancelled", ...view, delivered };
}

/**
 * Runs one attempt. Returns the final outcome after its card was delivered (or failed to be), or throws
 * the step's error when it is transient and attempts are left, after showing "retrying in Ns".
 */
export async function runJob(options: RunJobOptions): Promise<JobOutcome> {
  const { definition, run, card, clock, log } = options;
  run.startedAt ??= clock.now();
  const total = definition.steps.length;
  for (let index = Math.max(0, run.nextStep); index < total; index++) {
    const step = stepRef(definition, index);
    const request = await cancelNow(options);
    if (request) return cancelled(options, request, step);
    const running = { step, attempt: options.attempt, maxAttempts: options.maxAttempts };
    options.sink.set(renderRunning(card, { ...running, withinStep: 0 }));
    await options.onStep?.(step);
    const ctx = makeContext(options, options.signal, (fraction, label) =>
      options.sink.set(
        renderRunning(card, { ...running, withinStep: fraction, ...(label ? { detail: label } : {}) }),
      ),
    );
    try {
      await definition.steps[index]!.run(ctx);
    } catch (err) {
      if (options.signal.aborted) return cancelled(options, (await cancelNow(options)) ?? {}, step);
      await options.persist(run);
      const failure = describeFailure(err, options.requestId);
      log.error(
        { err, jobId: card.jobId, step: definition.steps[index]!.name, attempt: options.attempt },
        "job step failed",
      );
      if (isTransient(err) && options.attempt < options.maxAttempts) {
        const delayMs = options.retryDelayMs(options.attempt);
        await options.sink.flush(renderRetrying(card, { ...running, failure, delayMs }));
        throw err;
      }
      const cleanup = await runCleanup(options, cleanupContext(options));
      const delivered = await options.sink.flush(
        renderFailed(card, { step, failure, cleanup, attempts: options.attempt }),
      );
      return { kind: "failed", step, failure, cleanup, delivered };
    }
    run.nextStep = index + 1;
    await options.persist(run);
  }
  const durationMs = clock.now() - (run.startedAt ?? clock.now());
  let summary: ReplyField[] = [];
  try {
    summary = definition.summary?.(cleanupContext(options)) ?? [];
  } catch (err) {
    log.warn({ err, jobId: card.jobId }, "job summary failed; completing without it");
  }
  const delivered = await options.sink.flush(renderCompleted(card, { durationMs, summary }));
  return { kind: "completed", durationMs, summary, delivered };
}

/**
 * Ends a job the queue gave up on outside a step (a worker that kept dying, an error in the runner's
 * own bookkeeping): cleans up from the persisted state and delivers the failed card.
 */
export async function finalizeAbandoned(
  options: RunJobOptions & { error: unknown; attempts: number },
): Promise<JobOutcome> {
  const failure = describeFailure(options.error, options.requestId);
  options.log.error({ err: options.error, jobId: options.card.jobId }, "job abandoned by the queue");
  const cleanup = await runCleanup(options, cleanupContext(options));
  const next = options.run.nextStep;
  const step = next < options.definition.steps.length ? stepRef(options.definition, next) : undefined;
  const delivered = await options.sink.flush(
    renderFailed(options.card, { ...(step ? { step } : {}), failure, cleanup, attempts: options.attempts }),
  );
  return { kind: "failed", ...(step ? { step } : {}), failure, cleanup, delivered };
}
