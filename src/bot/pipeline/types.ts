/** What the dispatcher needs, wired explicitly in src/bot/wiring.ts, and the values its stages pass on. */
import type { ActionEvent } from "../../adapters/chat.js";
import type { CommandDefinition, CommandServices } from "../../commands/definition.js";
import type { CommandRegistry } from "../../commands/registry.js";
import type { ApprovalPolicy } from "../../services/approvals/model.js";
import type { AuditRecord } from "../../services/audit/record.js";
import type { AuditRetryBuffer } from "../../services/audit/retry-buffer.js";
import type { Clock, Log, NotifierByPlatform } from "../../services/ports.js";
import type { Actor, ConversationRef } from "../../services/vocabulary/identity.js";
import type { Reply } from "../../services/vocabulary/reply.js";
import type { RequestScope } from "../request-scope.js";
import type { Autocompleter } from "./autocomplete.js";
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
  /** The button table; `ACTION_ROUTES` (router.ts) when not given. */
  actionRoutes?: readonly ActionRoute[];
  /** Suggestions while typing (Discord autocomplete); none when absent. */
  autocomplete?: Pick<Autocompleter, "complete">;
}

/** Who asks, where, under which request: what every stage needs to know about the person in front of it. */
export interface Caller {
  actor: Actor;
  conversation: ConversationRef;
  requestId: string;
  /** How the request entered (typed, or a button click); its audit records say so. */
  kind: Extract<AuditRecord["kind"], "invocation" | "action">;
  log: Log;
}

/** A command and its arguments, already checked against the command's own schema. */
export interface CommandCall {
  def: CommandDefinition;
  args: Record<string, unknown>;
}

/**
 * Why a stage stopped the pipeline: what the user is told and the one short audit record that says so
 * (see services/audit/refusal.ts for why it is short).
 */
export interface Refusal {
  ok: false;
  code: string;
  message: string;
  record: Pick<AuditRecord, "step" | "outcome" | "command" | "args" | "detail">;
}

/** A stage's result: its value, or the refusal that ends the request there. */
export type StageResult<T> = ({ ok: true } & T) | Refusal;

/**
 * One kind of button. `parse` recognizes its action ids and returns what the id carries (never more:
 * anything that matters is read back from a store or checked again); `handle` acts on it. A route that
 * stands for a command goes through the same stages as typing it (see `commandButton` in router.ts).
 */
export interface ActionRoute<T = unknown> {
  /** For logs and for telling routes apart. */
  readonly name: string;
  parse(actionId: string): T | undefined;
  handle(click: Click, parsed: T): Promise<Reply | undefined>;
}

/** One button click as a route sees it. */
export interface Click {
  event: ActionEvent;
  log: Log;
  deps: DispatcherDeps;
}
