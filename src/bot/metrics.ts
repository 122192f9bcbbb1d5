/**
 * Prometheus metrics on a registry of their own (never prom-client's global one), so two bots in one
 * process, or two tests, do not share counters.
 *
 * Label values are kept bounded: command names must look like registry names (`template.build`), anything
 * else is counted as `other`, so text typed into chat can never create new time series.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { DeliveryStats } from "../adapters/chat-kit/delivery.js";
import { COMMAND_OUTCOMES } from "./pipeline/outcome.js";

export interface MetricsOptions {
  /** Job counts by state (`waiting`, `active`, …), read at scrape time. */
  jobCounts?: () => Promise<Record<string, number>>;
  /** A scrape gives up on `jobCounts` after this long (default 2000 ms) and reports the jobs gauge empty. */
  jobCountsTimeoutMs?: number;
  /** Each chat platform's delivery counters since start (its outbox's stats), read at scrape time. */
  deliveries?: () => Record<string, DeliveryStats>;
  /** Collect Node's process metrics (CPU, memory, event loop lag, …); default true. */
  processMetrics?: boolean;
}

export interface Metrics {
  readonly registry: Registry;
  readonly commandsTotal: Counter<"command" | "outcome">;
  readonly commandDuration: Histogram<"command">;
  readonly approvalsTotal: Counter<"outcome">;
  readonly jobs: Gauge<"state">;
  /** Scrapes where a source (`jobs`) failed or timed out; the scrape itself still succeeds. */
  readonly collectErrors: Counter<"source">;
  /** Audit writes after an effect that failed and were kept for a retry; and records finally dropped. */
  readonly auditWriteFailures: Counter;
  readonly auditRecordsDropped: Counter;
  readonly auditRecordsBuffered: Gauge;
  /** Reports what the audit retry buffer did (see services/audit/retry-buffer.ts). */
  observeAuditRetry(event: "buffered" | "written-late" | "dropped", buffered: number): void;
  /** Counts one finished command (outcome: one of COMMAND_OUTCOMES, else `other`) and records its time. */
  observeCommand(command: string, outcome: string, seconds: number): void;
  /** Counts one approval decision (`approved`, `denied`, `expired`, …). */
  observeApproval(outcome: string): void;
  /** The Content-Type of `render()`'s text, for the HTTP response. */
  readonly contentType: string;
  /** The exposition text for `/metrics`; reads the job counts first (use this, not `registry.metrics()`). */
  render(): Promise<string>;
}

const COMMAND_LABEL = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/;
const OUTCOME_LABEL = /^[a-z][a-z0-9_-]*$/;
const MAX_LABEL_LENGTH = 64;

function boundedLabel(value: string, pattern: RegExp): string {
  return value.length <= MAX_LABEL_LENGTH && pattern.test(value) ? value : "other";
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref?.();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  const commandsTotal = new Counter({
    name: "commands_total",
    help: `Commands handled, by command and outcome (${COMMAND_OUTCOMES.join(", ")})`,
    labelNames: ["command", "outcome"] as const,
    registers: [registry],
  });
  const commandDuration = new Histogram({
    name: "command_duration_seconds",
    help: "Time from receiving a command to its reply, by command",
    labelNames: ["command"] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const approvalsTotal = new Counter({
    name: "approvals_total",
    help: "Approval decisions, by outcome",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  const collectErrors = new Counter({
    name: "metrics_collect_errors_total",
    help: "Scrapes during which a metrics source failed or timed out, by source",
    labelNames: ["source"] as const,
    registers: [registry],
  });
  const auditWriteFailures = new Counter({
    name: "audit_write_failures_total",
    help: "Audit writes after a command ran that failed and were kept in memory for a retry",
    registers: [registry],
  });
  const auditRecordsDropped = new Counter({
    name: "audit_records_dropped_total",
    help: "Audit records given up on: retry buffer full, refused by the store, or unwritten at shutdown",
    registers: [registry],
  });
  const auditRecordsBuffered = new Gauge({
    name: "audit_records_buffered",
    help: "Audit records waiting in memory for the store to answer",
    registers: [registry],
  });
  const chatDeliveries = new Counter({
    name: "chat_deliveries_total",
    help: "Chat messages (posts, edits, thread replies) the outbox delivered or finally gave up on, by platform and outcome",
    labelNames: ["platform", "outcome"] as const,
    registers: [registry],
  });
  const chatDeliveryFailures = new Counter({
    name: "chat_delivery_failures_total",
    help: "Chat messages finally not delivered, by platform and the platform's error code",
    labelNames: ["platform", "code"] as const,
    registers: [registry],
  });
  const chatDeliveryEvents = new Counter({
    name: "chat_delivery_events_total",
    help: "What the outbox did on the way: rate_limited (429 waited out), retried (5xx/network), coalesced (edits merged), paced",
    labelNames: ["platform", "event"] as const,
    registers: [registry],
  });
  const chatOutboxPending = new Gauge({
    name: "chat_outbox_pending",
    help: "Messages this process's callers are waiting on, by platform",
    labelNames: ["platform"] as const,
    registers: [registry],
  });
  // The outboxes count for themselves; their totals since start are copied in at each scrape.
  function refreshDeliveries(): void {
    for (const metric of [chatDeliveries, chatDeliveryFailures, chatDeliveryEvents, chatOutboxPending])
      metric.reset();
    for (const [platform, s] of Object.entries(options.deliveries?.() ?? {})) {
      chatDeliveries.inc({ platform, outcome: "delivered" }, s.delivered);
      chatDeliveries.inc({ platform, outcome: "failed" }, s.failed);
      for (const [code, n] of Object.entries(s.failedByCode))
        chatDeliveryFailures.inc({ platform, code: boundedLabel(code, OUTCOME_LABEL) }, n);
      chatDeliveryEvents.inc({ platform, event: "rate_limited" }, s.rateLimited);
      chatDeliveryEvents.inc({ platform, event: "retried" }, s.retried);
      chatDeliveryEvents.inc({ platform, event: "coalesced" }, s.coalesced);
      chatDeliveryEvents.inc({ platform, event: "paced" }, s.paced);
      chatOutboxPending.set({ platform }, s.pending);
    }
  }
  const jobCounts = options.jobCounts;
  const timeoutMs = options.jobCountsTimeoutMs ?? 2000;
  const jobs = new Gauge({
    name: "jobs",
    help: "Jobs in the queue, by state, read at scrape time",
    labelNames: ["state"] as const,
    registers: [registry],
  });

  // Refreshed before serialising rather than in the gauge's own collect(): the registry serialises metrics
  // concurrently, and a failure must already be counted in the same scrape that it happened in.
  async function refreshJobs(): Promise<void> {
    jobs.reset();
    if (!jobCounts) return;
    try {
      const counts = await withTimeout(jobCounts(), timeoutMs);
      for (const [state, count] of Object.entries(counts)) {
        if (Number.isFinite(count)) jobs.set({ state: boundedLabel(state, OUTCOME_LABEL) }, count);
      }
    } catch {
      collectErrors.inc({ source: "jobs" });
    }
  }

  return {
    registry,
    commandsTotal,
    commandDuration,
    approvalsTotal,
    jobs,
    collectErrors,
    auditWriteFailures,
    auditRecordsDropped,
    auditRecordsBuffered,
    observeAuditRetry(event, buffered) {
      if (event === "buffered") auditWriteFailures.inc();
      if (event === "dropped") auditRecordsDropped.inc();
      auditRecordsBuffered.set(buffered);
    },
    observeCommand(command, outcome, seconds) {
      const name = boundedLabel(command, COMMAND_LABEL);
      const known = (COMMAND_OUTCOMES as readonly string[]).includes(outcome);
      commandsTotal.inc({ command: name, outcome: known ? outcome : "other" });
      if (Number.isFinite(seconds) && seconds >= 0) commandDuration.observe({ command: name }, seconds);
    },
    observeApproval(outcome) {
      approvalsTotal.inc({ outcome: boundedLabel(outcome, OUTCOME_LABEL) });
    },
    contentType: registry.contentType,
    async render() {
      await refreshJobs();
      refreshDeliveries();
      return registry.metrics();
    },
  };
}
