/**
 * One VM's update: agent ping → OS and pending updates → snapshot `chatops-pre-<time>` (no RAM state)
 * → non-interactive upgrade through agent exec → reboot when wanted → health → keep the snapshot, or roll
 * back to it (unless --no-rollback) and start the VM again. Each phase is recorded before its write is
 * sent, and a resumed phase looks for the effect of that write (the snapshot, the task) before sending
 * it again.
 */
import { ProxmoxError, ProxmoxTaskError } from "../proxmox.js";
import type { RolloutOptions } from "./config.js";
import type { UpdateServices } from "./deps.js";
import { type GuestExec, runInGuest, shell, tail, waitForGuest } from "./guest-exec.js";
import { healthProblem, waitForAgent } from "./health.js";
import { kernelUpdated, managerByName, managerFor, type PackageManager } from "./managers.js";
import { snapshotDescription, snapshotName } from "./snapshots.js";
import { type TargetVm, unsnapshottableStorage } from "./targets.js";
import { waitForTask } from "./tasks.js";
import { isFinal, type VmPhase, type VmRecord } from "./vm-record.js";

export interface VmUpdate {
  deps: UpdateServices;
  vm: TargetVm;
  record: VmRecord;
  options: RolloutOptions;
  jobId: string;
  requestedBy: string;
  /** Persists the job state (this record included). */
  save(): Promise<void>;
  /** The record changed; the summary table may show it. */
  changed(): void;
}

/** Thrown when a VM cannot go on and must be rolled back (or left, with --no-rollback). */
class VmFailure extends Error {
  constructor(
    message: string,
    readonly outputTail?: string,
  ) {
    super(message);
  }
}

export async function updateVm(u: VmUpdate): Promise<void> {
  const r = u.record;
  if (isFinal(r)) return;
  r.startedAt ??= u.deps.clock.now();
  try {
    if (r.phase === "queued") await prepare(u);
    if (r.phase === "snapshot") await takeSnapshot(u);
    if (r.phase === "upgrade") await upgrade(u);
    if (r.phase === "reboot") await reboot(u);
    if (r.phase === "health") {
      const problem = await healthProblem(u.deps, u.vm, { rebooted: r.rebooted === true });
      if (problem) throw new VmFailure(problem);
      r.detail = `${r.packages ?? 0} updated${r.rebooted ? ", rebooted" : ""}; snapshot ${r.snapshot} kept`;
      await enter(u, "done");
    }
  } catch (err) {
    if (err instanceof ProxmoxError && err.transient) throw err;
    if (r.phase === "queued" || r.phase === "snapshot") {
      // Nothing changed in the guest yet: no snapshot to go back to.
      r.failure = message(err);
      await enter(u, "failed");
      return;
    }
    if (r.phase !== "rollback") await failed(u, err);
  }
  if (r.phase === "rollback") await rollback(u);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function enter(u: VmUpdate, phase: VmPhase): Promise<void> {
  const r = u.record;
  r.phase = phase;
  delete r.sent;
  delete r.sentAt;
  delete r.upid;
  delete r.pid;
  if (isFinal(r)) r.finishedAt = u.deps.clock.now();
  await u.save();
  u.changed();
}

/** Marks a write as possibly sent, persisted before the request goes out. */
async function sending(u: VmUpdate): Promise<void> {
  u.record.sent = true;
  u.record.sentAt = Math.floor(u.deps.clock.now() / 1000) - 1;
  await u.save();
}

function execDeps(u: VmUpdate): GuestExec {
  return { proxmox: u.deps.proxmox, pacer: u.deps.pacer, pollMs: u.deps.config.pollInterval };
}

async function managerOf(u: VmUpdate): Promise<PackageManager> {
  const os = await u.deps.proxmox.agentOsInfo(u.vm.node, u.vm.vmid);
  const manager = managerFor(os);
  if (!manager) throw new VmFailure(`no supported package manager for OS id "${os.id ?? "?"}"`);
  return manager;
}

/** Reads only: agent, OS, pending updates. A VM with nothing to do is done without a snapshot. */
async function prepare(u: VmUpdate): Promise<void> {
  const { deps, vm, record: r, options } = u;
  await deps.proxmox.agentPing(vm.node, vm.vmid);
  let manager: PackageManager;
  try {
    manager = await managerOf(u);
  } catch (err) {
    if (!(err instanceof VmFailure)) throw err;
    r.detail = err.message;
    return enter(u, "skipped");
  }
  r.manager = manager.name;
  if (options.securityOnly && !manager.knowsSecurity) {
    r.detail = `--security-only: ${manager.name} cannot tell security updates apart`;
    return enter(u, "skipped");
  }
  const plan = manager.parsePlan(
    (await runInGuest(execDeps(u), vm, shell(manager.planScript), deps.config.timeouts.upgrade)).out,
  );
  const todo = options.securityOnly ? plan.pending.filter((p) => p.security) : plan.pending;
  r.packages = todo.length;
  r.securityPackages = todo.filter((p) => p.security).map((p) => p.name);
  r.kernel = kernelUpdated(todo);
  if (todo.length === 0 && options.reboot !== "always") {
    r.detail = "up to date";
    return enter(u, "done");
  }
  r.snapshot = snapshotName(deps.clock.now());
  await enter(u, "snapshot");
}

async function takeSnapshot(u: VmUpdate): Promise<void> {
  const { deps, vm, record: r } = u;
  const name = r.snapshot!;
  if (!r.upid && r.sent) {
    const snapshots = await deps.proxmox.listSnapshots(vm.node, vm.vmid);
    if (snapshots.some((s) => s.name === name)) return enter(u, "upgrade");
    r.upid = await taskSince(u, "qmsnapshot");
  }
  if (!r.upid) {
    await sending(u);
    r.upid = await deps.proxmox.createSnapshot(vm.node, vm.vmid, {
      name,
      description: snapshotDescription(u.jobId, u.requestedBy),
      vmstate: false,
    });
    await u.save();
  }
  try {
    await waitForTask(deps, r.upid);
  } catch (err) {
    if (err instanceof ProxmoxTaskError && /snapshot feature is not available/.test(err.exitstatus)) {
      const storages = new Map<string, string>();
      for (const s of await deps.proxmox.clusterResources("storage"))
        if (s.type === "storage" && s.plugintype) storages.set(s.storage, s.plugintype);
      const storage = unsnapshottableStorage(await deps.proxmox.vmConfig(vm.node, vm.vmid), storages);
      throw new Error(
        `refused: storage ${storage ?? "of a disk"} cannot take snapshots; the VM was not changed`,
      );
    }
    throw err;
  }
  await enter(u, "upgrade");
}

/** The newest task of `type` on this VM since the recorded write, when one exists. */
async function taskSince(u: VmUpdate, type: string): Promise<string | undefined> {
  const tasks = await u.deps.proxmox.listTasks(u.vm.node, {
    vmid: u.vm.vmid,
    type,
    since: u.record.sentAt,
    limit: 5,
  });
  return tasks[0]?.upid;
}

async function upgrade(u: VmUpdate): Promise<void> {
  const { deps, vm, record: r, options } = u;
  const exec = execDeps(u);
  const manager = managerByName(r.manager) ?? (await managerOf(u));
  const script = manager.upgradeScript({
    security: options.securityOnly,
    securityPackages: r.securityPackages ?? [],
  });
  const timeout = deps.config.timeouts.upgrade;
  let result: { exitcode: number; out: string; err: string } | undefined;
  if (r.pid !== undefined) {
    try {
      result = await waitForGuest(exec, vm, r.pid, timeout, shell(script));
    } catch (err) {
      // The agent forgot the pid (its result was read by the worker that died, or the guest restarted).
      if (!(err instanceof ProxmoxError) || !/Invalid parameter 'pid'/.test(err.pveMessage ?? "")) throw err;
    }
  }
  if (!result && (r.sent || r.pid !== undefined) && (await nothingPending(u, manager))) {
    result = { exitcode: 0, out: "", err: "" };
  }
  if (!result) {
    await sending(u);
    const pid = await deps.proxmox.agentExec(vm.node, vm.vmid, shell(script));
    r.pid = pid;
    await u.save();
    result = await waitForGuest(exec, vm, pid, timeout, shell(script));
  }
  if (!manager.okExit.includes(result.exitcode)) {
    throw new VmFailure(`${manager.name} upgrade exited ${result.exitcode}`, tail(result));
  }
  const wanted =
    options.reboot === "always" ||
    (options.reboot === "auto" && (result.exitcode === 102 || (await rebootWanted(u, manager))));
  await enter(u, wanted ? "reboot" : "health");
}

async function nothingPending(u: VmUpdate, manager: PackageManager): Promise<boolean> {
  const out = (await runInGuest(execDeps(u), u.vm, shell(manager.planScript), u.deps.config.timeouts.upgrade))
    .out;
  const pending = manager.parsePlan(out).pending;
  return (u.options.securityOnly ? pending.filter((p) => p.security) : pending).length === 0;
}

async function rebootWanted(u: VmUpdate, manager: PackageManager): Promise<boolean> {
  if (!manager.rebootScript) return u.record.kernel === true;
  const r = await runInGuest(execDeps(u), u.vm, shell(manager.rebootScript), u.deps.config.timeouts.check);
  return r.out.trim() === "yes";
}

async function reboot(u: VmUpdate): Promise<void> {
  const { deps, vm, record: r } = u;
  if (!r.upid && r.sent) r.upid = await taskSince(u, "qmreboot");
  if (!r.upid) {
    await sending(u);
    r.upid = await deps.proxmox.rebootVm(vm.node, vm.vmid);
    await u.save();
  }
  await waitForTask(deps, r.upid);
  r.rebooted = true;
  await enter(u, "health");
}

async function failed(u: VmUpdate, err: unknown): Promise<void> {
  const r = u.record;
  r.failure = `${phaseLabel(r.phase)}: ${message(err)}`;
  if (err instanceof VmFailure && err.outputTail) r.tail = err.outputTail;
  else if (err instanceof ProxmoxTaskError && err.logTail.length > 0)
    r.tail = err.logTail.slice(-8).join("\n");
  if (u.options.noRollback) {
    r.detail = `not rolled back (--no-rollback); snapshot ${r.snapshot} kept`;
    await enter(u, "failed");
    return;
  }
  await enter(u, "rollback");
}

function phaseLabel(phase: VmPhase): string {
  return phase === "upgrade" ? "upgrade" : phase === "reboot" ? "reboot" : "health check";
}

/** Back to the snapshot and running again (rollback stops the VM; `start` boots it from the snapshot). */
async function rollback(u: VmUpdate): Promise<void> {
  const { deps, vm, record: r } = u;
  try {
    if (!r.upid && r.sent) r.upid = await taskSince(u, "qmrollback");
    if (!r.upid) {
      await sending(u);
      r.upid = await deps.proxmox.rollbackSnapshot(vm.node, vm.vmid, r.snapshot!, { start: true });
      await u.save();
    }
    await waitForTask(deps, r.upid);
  } catch (err) {
    if (err instanceof ProxmoxError && err.transient) throw err;
    r.detail = `rollback failed: ${err instanceof ProxmoxTaskError ? err.exitstatus : message(err)}`;
    await enter(u, "rollback-failed");
    return;
  }
  const agent = await waitForAgent(deps, vm, deps.config.timeouts.agent);
  r.detail = `rolled back${agent ? `; ${agent}` : ", running again"}`;
  await enter(u, "rolled-back");
}
