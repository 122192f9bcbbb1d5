/**
 * The order of a rollout: canary VMs first, then batches of N in parallel, never more than the node
 * limit at once on one node. When failures exceed the tolerance, or any rollback failed, no further VM
 * starts (the ones running
 * finish their own sequence, rollback included) and the rest are marked halted; a cancel does the same
 * between VMs and marks the rest cancelled. Every VM resumes from its record, so a rollout picked up by
 * another worker runs only what is left.
 */
import type { RolloutOptions } from "./config.js";
import type { TargetVm } from "./targets.js";
import { FAILED_PHASES, isFinal, type VmRecord } from "./vm-record.js";

export interface RolloutRun {
  vms: readonly TargetVm[];
  records: Record<string, VmRecord>;
  options: RolloutOptions;
  nodeLimit: number;
  /** Runs one VM to a final phase (or throws for a transient failure: the job retries). */
  update(vm: TargetVm, record: VmRecord): Promise<void>;
  /** True once a cancel was asked for; checked before each VM starts. */
  cancelled(): boolean;
  /** A record changed outside `update` (halted, cancelled). */
  changed(): void;
}

export type RolloutEnd = "completed" | "halted" | "cancelled";

/** Canary group, then batches of `batch`: the groups run one after the other. */
export function rolloutGroups(
  vms: readonly TargetVm[],
  options: Pick<RolloutOptions, "canary" | "batch">,
): TargetVm[][] {
  const canary = vms.slice(0, Math.min(options.canary, vms.length));
  const rest = vms.slice(canary.length);
  const groups = canary.length > 0 ? [canary] : [];
  for (let i = 0; i < rest.length; i += options.batch) groups.push(rest.slice(i, i + options.batch));
  return groups;
}

export function failures(records: Record<string, VmRecord>): number {
  return Object.values(records).filter((r) => FAILED_PHASES.has(r.phase)).length;
}

/** A VM that could not be rolled back halts the rollout whatever the tolerance: someone must look first. */
function rollbackFailed(records: Record<string, VmRecord>): boolean {
  return Object.values(records).some((r) => r.phase === "rollback-failed");
}

export async function runRollout(run: RolloutRun): Promise<RolloutEnd> {
  for (const vm of run.vms) run.records[String(vm.vmid)] ??= { phase: "queued" };
  let end: RolloutEnd = "completed";
  const stopping = (): boolean => {
    if (end !== "completed") return true;
    if (run.cancelled()) end = "cancelled";
    else if (failures(run.records) > run.options.tolerance || rollbackFailed(run.records)) end = "halted";
    return end !== "completed";
  };
  // Every group is visited even once stopping: runGroup starts no queued VM then, but a worker that
  // resumes a halted or cancelled rollout must still take the VMs its predecessor left mid-update (in
  // the group that was running) to their end, rollback included.
  for (const group of rolloutGroups(run.vms, run.options)) await runGroup(run, group, stopping);
  // Decides the end when no queued VM was left to ask (a failure or a cancel in the last group).
  stopping();
  if (end !== "completed") {
    for (const vm of run.vms) {
      const record = run.records[String(vm.vmid)]!;
      if (record.phase === "queued") record.phase = end;
    }
    run.changed();
  }
  return end;
}

/** Runs a group in parallel, holding at most `nodeLimit` VMs per node; nothing new starts once stopping. */
async function runGroup(run: RolloutRun, group: readonly TargetVm[], stopping: () => boolean): Promise<void> {
  // A VM a dead worker left mid-update goes first: it holds a snapshot and must reach its end.
  const waiting = [...group]
    .filter((vm) => !isFinal(run.records[String(vm.vmid)]!))
    .sort(
      (a, b) =>
        Number(run.records[String(b.vmid)]!.phase !== "queued") -
        Number(run.records[String(a.vmid)]!.phase !== "queued"),
    );
  const perNode = new Map<string, number>();
  const running = new Set<Promise<void>>();
  let failure: unknown;
  while (waiting.length > 0 || running.size > 0) {
    while (failure === undefined) {
      const index = waiting.findIndex((vm) => (perNode.get(vm.node) ?? 0) < run.nodeLimit);
      if (index < 0) break;
      const vm = waiting[index]!;
      const record = run.records[String(vm.vmid)]!;
      if (record.phase === "queued" && stopping()) {
        // Nothing new starts; a VM left mid-update that still waits for room on its node stays.
        for (let i = waiting.length - 1; i >= 0; i--) {
          if (run.records[String(waiting[i]!.vmid)]!.phase === "queued") waiting.splice(i, 1);
        }
        continue;
      }
      waiting.splice(index, 1);
      perNode.set(vm.node, (perNode.get(vm.node) ?? 0) + 1);
      const task: Promise<void> = run
        .update(vm, record)
        .catch((err: unknown) => {
          failure ??= err;
        })
        .finally(() => {
          perNode.set(vm.node, (perNode.get(vm.node) ?? 1) - 1);
          running.delete(task);
        });
      running.add(task);
    }
    if (running.size === 0) break;
    await Promise.race(running);
  }
  if (failure !== undefined) throw failure;
}
