/**
 * Where one VM stands in a rollout, persisted in the job's state after every step, so a worker that
 * takes over resumes each VM where it stopped: never a second snapshot, never a second upgrade of a VM
 * already done, never a lost rollback.
 */
export type VmPhase =
  | "queued"
  | "snapshot"
  | "upgrade"
  | "reboot"
  | "health"
  | "rollback"
  | "done"
  | "skipped"
  | "failed"
  | "rolled-back"
  | "rollback-failed"
  | "halted"
  | "cancelled";

export const FINAL_PHASES: ReadonlySet<VmPhase> = new Set([
  "done",
  "skipped",
  "failed",
  "rolled-back",
  "rollback-failed",
  "halted",
  "cancelled",
]);

/** Phases that count against the rollout's failure tolerance. */
export const FAILED_PHASES: ReadonlySet<VmPhase> = new Set(["failed", "rolled-back", "rollback-failed"]);

export interface VmRecord {
  phase: VmPhase;
  /** The snapshot this update took (or is taking). */
  snapshot?: string;
  /** A write of the current phase may have reached PVE: look for its effect before sending it again. */
  sent?: boolean;
  /** Epoch seconds just before that write; its task is looked for from here. */
  sentAt?: number;
  /** The task of the current phase (snapshot, reboot, rollback). */
  upid?: string;
  /** The guest pid of the running upgrade. */
  pid?: number;
  manager?: string;
  /** Pending updates found before the upgrade; security fixes among them by name. */
  packages?: number;
  securityPackages?: string[];
  /** A kernel package was among the pending updates (reboot marker of apk/pacman guests). */
  kernel?: boolean;
  rebooted?: boolean;
  /** What failed, shown in the table. */
  failure?: string;
  /** The end of the failing command's output. */
  tail?: string;
  detail?: string;
  startedAt?: number;
  finishedAt?: number;
}

export function isFinal(r: VmRecord): boolean {
  return FINAL_PHASES.has(r.phase);
}
