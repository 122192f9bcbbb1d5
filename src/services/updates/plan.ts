/**
 * `update plan`: per VM, the OS from `get-osinfo` and the pending updates its package manager lists
 * through the guest agent, security fixes marked, and whether the guest wants a reboot already.
 */
import { ProxmoxError } from "../proxmox.js";
import type { ReplyTable } from "../vocabulary/reply.js";
import type { UpdateServices } from "./deps.js";
import { runInGuest, shell } from "./guest-exec.js";
import { managerFor, type PackageManager, type PendingPackage } from "./managers.js";
import { mapLimit, type SkippedVm, type TargetVm } from "./targets.js";

export interface VmPlan {
  vm: TargetVm;
  os?: string;
  manager?: PackageManager["name"];
  pending: PendingPackage[];
  rebootRequired?: boolean;
  /** Why the VM could not be planned (unknown OS, the list command failed). */
  problem?: string;
}

/** A plan needs at most this long per VM: the index refresh runs inside it. */
const PLAN_TIMEOUT_MS = 5 * 60_000;

export async function planVm(deps: UpdateServices, vm: TargetVm): Promise<VmPlan> {
  const os = await deps.proxmox.agentOsInfo(vm.node, vm.vmid);
  const label = os.prettyName ?? os.name ?? os.id ?? "unknown";
  const manager = managerFor(os);
  if (!manager)
    return {
      vm,
      os: label,
      pending: [],
      problem: `no supported package manager for OS id "${os.id ?? "?"}"`,
    };
  const exec = { proxmox: deps.proxmox, pacer: deps.pacer, pollMs: deps.config.pollInterval };
  const result = await runInGuest(exec, vm, shell(manager.planScript), PLAN_TIMEOUT_MS);
  const parsed = manager.parsePlan(result.out);
  return {
    vm,
    os: label,
    manager: manager.name,
    pending: parsed.pending,
    ...(parsed.rebootRequired !== undefined ? { rebootRequired: parsed.rebootRequired } : {}),
  };
}

/** Plans every VM (a few at a time); a VM whose agent fails mid-plan becomes a row with the problem. */
export async function planVms(deps: UpdateServices, vms: readonly TargetVm[]): Promise<VmPlan[]> {
  return mapLimit(vms, 8, async (vm) => {
    try {
      return await planVm(deps, vm);
    } catch (err) {
      if (err instanceof ProxmoxError && !err.transient) return { vm, pending: [], problem: err.message };
      throw err;
    }
  });
}

const yesNo = (v: boolean | undefined) => (v === undefined ? "?" : v ? "yes" : "no");

/** Up to this many package names per row; the count column has the rest. */
const NAMES_PER_ROW = 6;

export function planTable(plans: readonly VmPlan[], skipped: readonly SkippedVm[]): ReplyTable {
  const rows = plans.map((p) => {
    const names = p.pending.map((x) => (x.security ? `${x.name}*` : x.name));
    const more = names.length > NAMES_PER_ROW ? ` +${names.length - NAMES_PER_ROW}` : "";
    return [
      `${p.vm.vmid} ${p.vm.name}`,
      p.vm.node,
      p.os ?? "",
      p.manager ?? "",
      p.problem ? "-" : String(p.pending.length),
      p.problem ? "-" : String(p.pending.filter((x) => x.security).length),
      p.problem ? "-" : yesNo(p.rebootRequired),
      p.problem ?? `${names.slice(0, NAMES_PER_ROW).join(" ")}${more}`,
    ];
  });
  for (const s of skipped) rows.push([s.target, s.node ?? "", "", "", "-", "-", "-", `skipped: ${s.reason}`]);
  return {
    columns: ["VM", "Node", "OS", "Manager", "Pending", "Security", "Reboot", "Packages"],
    rows,
    footer: "* security update; Reboot: whether the guest already asks for one (? where it cannot say)",
  };
}
