import { parseDrive, parseSize } from "../state/disks.js";
import type { SimState } from "../state/state.js";
import type { VmState } from "../state/types.js";

const MIB = 1024 * 1024;

/** `memory` is a property string `[current=]<MiB>`; PVE's default is 512 MiB. */
export function memoryBytes(vm: VmState): number {
  const raw = String(vm.config["memory"] ?? "512");
  const mib = Number(raw.replace(/^current=/, "").split(",")[0]);
  return (Number.isFinite(mib) ? mib : 512) * MIB;
}

export function cpuCount(vm: VmState): number {
  return Number(vm.config["cores"] ?? 1) * Number(vm.config["sockets"] ?? 1);
}

/** Size of the boot disk (first of `boot: order=` or the first disk key), which PVE reports as maxdisk. */
export function bootDiskBytes(vm: VmState): number {
  const order = /order=([^,]+)/.exec(String(vm.config["boot"] ?? ""))?.[1]?.split(";") ?? [];
  const keys = [...order, ...Object.keys(vm.config).filter((k) => /^(scsi|virtio|sata|ide)\d+$/.test(k))];
  for (const key of keys) {
    const value = vm.config[key];
    if (value === undefined) continue;
    const spec = parseDrive(String(value));
    if (spec.options.get("media") === "cdrom") continue;
    return parseSize(spec.options.get("size") ?? "") ?? 0;
  }
  return 0;
}

export function uptimeOf(state: SimState, vm: VmState): number {
  return vm.status === "running" && vm.startedAt !== undefined
    ? Math.max(0, Math.floor((state.nowMs() - vm.startedAt) / 1000))
    : 0;
}

/** Fields shared by `/cluster/resources`, `/nodes/{node}/qemu` and `status/current`. */
export function vmStatusFields(state: SimState, vm: VmState): Record<string, unknown> {
  const running = vm.status === "running";
  const maxmem = memoryBytes(vm);
  const out: Record<string, unknown> = {
    vmid: vm.vmid,
    name: vm.config["name"] ?? `VM ${vm.vmid}`,
    status: vm.status,
    maxmem,
    mem: running ? Math.floor(maxmem * 0.42) : 0,
    maxdisk: bootDiskBytes(vm),
    disk: 0,
    cpus: cpuCount(vm),
    cpu: running ? 0.013 : 0,
    uptime: uptimeOf(state, vm),
    netin: running ? 1_048_576 : 0,
    netout: running ? 524_288 : 0,
    diskread: running ? 73_400_320 : 0,
    diskwrite: running ? 20_971_520 : 0,
  };
  if (vm.config["template"]) out["template"] = 1;
  if (vm.config["lock"] !== undefined) out["lock"] = vm.config["lock"];
  if (vm.config["tags"] !== undefined) out["tags"] = vm.config["tags"];
  if (running) out["pid"] = 10_000 + vm.vmid;
  return out;
}
