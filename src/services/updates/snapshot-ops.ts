/**
 * The bot's snapshots after a rollout: listing them with their expiry, rolling a VM back to one, and
 * deleting those past retention. Only snapshots `isBotSnapshot` recognises are ever offered for cleanup.
 */
import { UserError } from "../errors.js";
import { formatUtc } from "../format.js";
import type { GuestResource } from "../proxmox.js";
import { createdAtOf } from "../pve/vm-meta.js";
import type { ReplyTable } from "../vocabulary/reply.js";
import type { UpdateServices } from "./deps.js";
import { isBotSnapshot } from "./snapshots.js";
import { expandTargets, mapLimit, parseTargets, type TargetVm } from "./targets.js";
import { waitForTask } from "./tasks.js";

export interface BotSnapshot {
  vm: TargetVm;
  name: string;
  description: string;
  /** Epoch ms. */
  takenAt: number;
  expiresAt: number;
}

/** Every VM the target names (all the bot sees without one), templates aside. */
async function vmsOf(deps: UpdateServices, words: readonly string[] | undefined): Promise<TargetVm[]> {
  const selectors = words && words.length > 0 ? parseTargets(words) : [];
  if (selectors.length > 0) return (await expandTargets(deps.proxmox, selectors, { need: "read" })).vms;
  return (await deps.proxmox.clusterResources("vm"))
    .filter((r): r is GuestResource => r.type === "qemu" && !r.template)
    .map((r) => ({ vmid: r.vmid, name: r.name ?? `vm${r.vmid}`, node: r.node, tags: r.tags }))
    .sort((a, b) => a.vmid - b.vmid);
}

export async function listBotSnapshots(
  deps: UpdateServices,
  words?: readonly string[],
): Promise<BotSnapshot[]> {
  const vms = await vmsOf(deps, words);
  const lists = await mapLimit(vms, 8, async (vm) =>
    (await deps.proxmox.listSnapshots(vm.node, vm.vmid))
      .filter((s) => isBotSnapshot(s) && s.snaptime !== undefined)
      .map((s) => ({
        vm,
        name: s.name,
        description: s.description,
        takenAt: s.snaptime! * 1000,
        expiresAt: s.snaptime! * 1000 + deps.config.retention,
      })),
  );
  return lists.flat();
}

export function snapshotTable(snapshots: readonly BotSnapshot[], nowMs: number): ReplyTable {
  return {
    columns: ["VM", "Node", "Snapshot", "Taken", "Expires"],
    rows: snapshots.map((s) => [
      `${s.vm.vmid} ${s.vm.name}`,
      s.vm.node,
      s.name,
      formatUtc(s.takenAt),
      s.expiresAt <= nowMs ? "expired (update cleanup)" : formatUtc(s.expiresAt),
    ]),
  };
}

/** The bot's snapshots past retention, on every VM the bot sees; nobody else's snapshot is ever listed. */
export async function expiredSnapshots(deps: UpdateServices): Promise<BotSnapshot[]> {
  const now = deps.clock.now();
  return (await listBotSnapshots(deps)).filter((s) => s.expiresAt <= now);
}

/** Deletes each snapshot and waits for its task; a failure is reported per snapshot, the rest go on. */
export async function deleteSnapshots(
  deps: UpdateServices,
  snapshots: readonly BotSnapshot[],
): Promise<Array<{ snapshot: BotSnapshot; error?: string }>> {
  return mapLimit(snapshots, 2, async (snapshot) => {
    try {
      const upid = await deps.proxmox.deleteSnapshot(snapshot.vm.node, snapshot.vm.vmid, snapshot.name);
      await waitForTask(deps, upid);
      return { snapshot };
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      return { snapshot, error: err.message };
    }
  });
}

export interface RollbackTarget {
  vm: TargetVm;
  snapshot: { name: string; takenAt?: number; description: string };
  running: boolean;
}

/** The VM (exactly one) and the snapshot to go back to: the given one, or the bot's newest. */
export async function findRollbackTarget(
  deps: UpdateServices,
  ref: string,
  name?: string,
): Promise<RollbackTarget> {
  const expansion = await expandTargets(deps.proxmox, parseTargets([ref]), { need: "read" });
  if (expansion.vms.length === 0) {
    throw new UserError("E_NOT_FOUND", `${ref}: ${expansion.skipped[0]?.reason ?? "no such VM"}`);
  }
  if (expansion.vms.length > 1) {
    throw new UserError("E_ARGS", `${ref} names ${expansion.vms.length} VMs; give one VM id`);
  }
  const found = expansion.vms[0]!;
  // The config (read alongside the snapshots, so no extra wait) gives PVE's creation time for the identity.
  const [snapshots, config] = await Promise.all([
    deps.proxmox.listSnapshots(found.node, found.vmid),
    deps.proxmox.vmConfig(found.node, found.vmid),
  ]);
  const createdAt = createdAtOf(config["meta"]);
  const vm: TargetVm = createdAt !== undefined ? { ...found, createdAt } : found;
  const chosen = name
    ? snapshots.find((s) => s.name === name && s.snaptime !== undefined)
    : snapshots.filter(isBotSnapshot).sort((a, b) => (b.snaptime ?? 0) - (a.snaptime ?? 0))[0];
  if (!chosen) {
    throw new UserError(
      "E_NOT_FOUND",
      name
        ? `VM ${vm.vmid} has no snapshot "${name}"`
        : `VM ${vm.vmid} has no snapshot taken by the bot; name one with --snapshot`,
    );
  }
  const status = await deps.proxmox.vmStatus(vm.node, vm.vmid);
  return {
    vm,
    snapshot: {
      name: chosen.name,
      description: chosen.description,
      ...(chosen.snaptime !== undefined ? { takenAt: chosen.snaptime * 1000 } : {}),
    },
    running: status.status === "running",
  };
}

/** Rolls back and, when the VM was running, starts it again from the snapshot. */
export async function rollbackVm(deps: UpdateServices, target: RollbackTarget): Promise<void> {
  const upid = await deps.proxmox.rollbackSnapshot(target.vm.node, target.vm.vmid, target.snapshot.name, {
    start: target.running,
  });
  await waitForTask(deps, upid);
}
