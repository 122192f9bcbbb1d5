/** The audit trail's record: one per pipeline step, approval decision, job outcome and button click. */
import type { Platform } from "../vocabulary/identity.js";

export type AuditKind = "invocation" | "approval" | "job" | "action";

export interface AuditRecord {
  /** Stream entry id, assigned on append. */
  id?: string;
  /** Milliseconds since the epoch. */
  at: number;
  kind: AuditKind;
  requestId: string;
  actor?: { platform: Platform; id: string; name: string };
  channel?: string;
  command?: string;
  /** Arguments with secrets removed. */
  args?: Record<string, unknown>;
  /** ok | usage | forbidden | pending-approval | approved | denied | expired | error | completed | failed | … */
  outcome: string;
  /** The pipeline step that produced the record: parse, authorize, approve, run, report, decide, job. */
  step?: string;
  durationMs?: number;
  approvalId?: string;
  jobId?: string;
  detail?: string;
}

export interface AuditQuery {
  limit?: number;
  /** Actor id or name. */
  user?: string;
  command?: string;
  /** Only records at or after this time (ms). */
  since?: number;
}
