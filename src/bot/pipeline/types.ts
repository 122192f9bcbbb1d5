/** What the dispatcher needs, wired explicitly in src/bot/wiring.ts. */
import type { CommandServices } from "../../commands/definition.js";
import type { CommandRegistry } from "../../commands/registry.js";
import type { ApprovalPolicy } from "../../services/approvals/model.js";
import type { AuditRetryBuffer } from "../../services/audit/retry-buffer.js";
import type { Clock, Log, NotifierByPlatform } from "../../services/ports.js";
import type { RequestScope } from "../request-scope.js";
import type { CommandOutcome } from "./outcome.js";

/** Counters the pipeline reports; the bot maps them onto prom-client metrics. */
export interface PipelineMetrics {
  commandFinished(command: string, outcome: CommandOutcome, seconds: number): void;
  approvalDecided(outcome: string): void;
}

export interface DispatcherDeps {
  registry: CommandRegistry;
  services: CommandServices;
  notifiers: NotifierByPlatform;
  policyFor(command: string): ApprovalPolicy;
  clock: Clock;
  log: Log;
  metrics: PipelineMetrics;
  /** Tags every log line written while a command or click is handled with its requestId. */
  scope?: RequestScope;
  /** Audit writes after an effect (a command ran, an approval was decided): retried, never failing the reply. */
  auditRetry: Pick<AuditRetryBuffer, "write">;
  /** The value redaction of the logs, applied to every reply and card (see services/redaction.ts). */
  scrub: (text: string) => string;
  /** Maps a storage failure (Redis down) to a user-facing error, or undefined when it is something else. */
  unavailable(err: unknown): Error | undefined;
}
