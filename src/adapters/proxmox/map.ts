/**
 * PVE JSON → the port's types. PVE encodes booleans as 0/1 and sometimes omits fields (stats without
 * Sys.Audit, names of VMs created seconds ago), so every optional field stays optional here.
 */
import type {
  AgentExecStatus,
  AgentInterface,
  ClusterResource,
  NodeStatus,
  NodeSummary,
  SnapshotInfo,
  StorageContentItem,
  StorageInfo,
  TaskStatus,
  VmStatus,
} from "../../services/proxmox.js";

type Raw = Record<string, unknown>;

export const num = (v: unknown): number | undefined => {
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  return typeof n === "number" && Number.isFinite(n) ? n : undefined;
};
export const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
export const bool = (v: unknown): boolean => v === 1 || v === true || v === "1";
/** PVE tag lists use `;` (also `,` and spaces in older configs). */
export const tagList = (v: unknown): string[] =>
  typeof v === "string" ? v.split(/[;,\s]+/).filter((t) => t.length > 0) : [];
const list = (v: unknown): string[] => (typeof v === "string" ? v.split(",").filter(Boolean) : []);

function defined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

export function asArray(data: unknown, what: string): Raw[] {
  if (!Array.isArray(data)) throw new Error(`PVE returned ${typeof data} for ${what}, expected a list`);
  return data.filter((x): x is Raw => typeof x === "object" && x !== null);
}

export function asObject(data: unknown, what: string): Raw {
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new Error(
      `PVE returned ${Array.isArray(data) ? "a list" : typeof data} for ${what}, expected an object`,
    );
  }
  return data as Raw;
}

export function nodeSummary(r: Raw): NodeSummary {
  const status = r.status === "online" || r.status === "offline" ? r.status : "unknown";
  return defined({
    node: String(r.node),
    status,
    cpu: num(r.cpu),
    maxcpu: num(r.maxcpu),
    mem: num(r.mem),
    maxmem: num(r.maxmem),
    disk: num(r.disk),
    maxdisk: num(r.maxdisk),
    uptime: num(r.uptime),
  });
}

export function nodeStatus(r: Raw): NodeStatus {
  const memory = (r.memory ?? {}) as Raw;
  const rootfs = r.rootfs as Raw | undefined;
  const cpuinfo = (r.cpuinfo ?? {}) as Raw;
  const kernel = (r["current-kernel"] ?? {}) as Raw;
  return defined({
    uptime: num(r.uptime) ?? 0,
    cpu: num(r.cpu) ?? 0,
    cpuModel: str(cpuinfo.model),
    cpus: num(cpuinfo.cpus),
    memory: { total: num(memory.total) ?? 0, used: num(memory.used) ?? 0, free: num(memory.free) ?? 0 },
    rootfs: rootfs ? { total: num(rootfs.total) ?? 0, used: num(rootfs.used) ?? 0 } : undefined,
    loadavg: Array.isArray(r.loadavg) ? r.loadavg.map(String) : [],
    pveversion: str(r.pveversion) ?? "",
    kernel: str(kernel.release) ?? str(r.kversion),
    // `current-kernel` arrived in PVE 8.1; `kversion` ends with the machine name on every release.
    arch: str(kernel.machine) ?? str(r.kversion)?.trim().split(/\s+/).at(-1),
  });
}

export function clusterResource(r: Raw): ClusterResource | undefined {
  if (r.type === "qemu" || r.type === "lxc") {
    return defined({
      type: r.type as "qemu" | "lxc",
      vmid: num(r.vmid) ?? 0,
      node: String(r.node),
      name: str(r.name),
      status: str(r.status) ?? "unknown",
      template: bool(r.template),
      tags: tagList(r.tags),
      lock: str(r.lock),
      pool: str(r.pool),
      cpu: num(r.cpu),
      maxcpu: num(r.maxcpu),
      mem: num(r.mem),
      maxmem: num(r.maxmem),
      maxdisk: num(r.maxdisk),
      uptime: num(r.uptime),
    });
  }
  if (r.type === "storage") {
    return defined({
      type: "storage" as const,
      storage: String(r.storage),
      node: String(r.node),
      status: str(r.status) ?? "unknown",
      content: list(r.content),
      plugintype: str(r.plugintype),
      shared: bool(r.shared),
      disk: num(r.disk),
      maxdisk: num(r.maxdisk),
    });
  }
  if (r.type === "node") {
    // The same figures as GET /nodes, so a node listing can come from this one read.
    const { status: _status, ...stats } = nodeSummary(r);
    return { type: "node", status: str(r.status) ?? "unknown", ...stats };
  }
  return undefined;
}

export function vmStatus(r: Raw): VmStatus {
  return defined({
    vmid: num(r.vmid) ?? 0,
    status: str(r.status) ?? "unknown",
    name: str(r.name),
    qmpstatus: str(r.qmpstatus),
    template: bool(r.template),
    lock: str(r.lock),
    agent: bool(r.agent),
    uptime: num(r.uptime),
    cpus: num(r.cpus),
    cpu: num(r.cpu),
    mem: num(r.mem),
    maxmem: num(r.maxmem),
    maxdisk: num(r.maxdisk),
    tags: tagList(r.tags),
  });
}

export function snapshot(r: Raw): SnapshotInfo {
  return defined({
    name: String(r.name),
    description: str(r.description) ?? "",
    snaptime: num(r.snaptime),
    parent: str(r.parent),
    vmstate: bool(r.vmstate),
  });
}

export function storageInfo(r: Raw, storage?: string): StorageInfo {
  return defined({
    storage: str(r.storage) ?? storage ?? "",
    type: str(r.type) ?? "",
    content: list(r.content),
    active: r.active === undefined ? true : bool(r.active),
    enabled: r.enabled === undefined ? true : bool(r.enabled),
    shared: bool(r.shared),
    total: num(r.total),
    used: num(r.used),
    avail: num(r.avail),
  });
}

export function storageContent(r: Raw): StorageContentItem {
  return defined({
    volid: String(r.volid),
    content: str(r.content) ?? "",
    format: str(r.format) ?? "",
    size: num(r.size) ?? 0,
    vmid: num(r.vmid),
    ctime: num(r.ctime),
    notes: str(r.notes),
  });
}

/** What a task's status and a task list row both say about the task itself. */
function taskIdentity(r: Raw) {
  return {
    upid: String(r.upid),
    node: String(r.node),
    type: str(r.type) ?? "",
    id: str(r.id) ?? "",
    user: str(r.user) ?? "",
    starttime: num(r.starttime) ?? 0,
  };
}

export function taskStatus(r: Raw): TaskStatus {
  return defined({
    ...taskIdentity(r),
    status: r.status === "running" ? ("running" as const) : ("stopped" as const),
    exitstatus: str(r.exitstatus),
  });
}

/** A row of a node's task list: finished tasks carry `endtime` and their exit status as `status`. */
export function taskListEntry(r: Raw): TaskStatus {
  const stopped = r.endtime !== undefined && r.endtime !== null;
  return defined({
    ...taskIdentity(r),
    status: stopped ? ("stopped" as const) : ("running" as const),
    exitstatus: stopped ? str(r.status) : undefined,
  });
}

export function execStatus(r: Raw): AgentExecStatus {
  return defined({
    exited: bool(r.exited),
    exitcode: num(r.exitcode),
    signal: num(r.signal),
    outData: str(r["out-data"]),
    errData: str(r["err-data"]),
    outTruncated: bool(r["out-truncated"]),
    errTruncated: bool(r["err-truncated"]),
  });
}

export function agentInterfaces(data: unknown): AgentInterface[] {
  const result = asObject(data, "network-get-interfaces").result;
  return asArray(result, "network interfaces").map((i) =>
    defined({
      name: String(i.name),
      hardwareAddress: str(i["hardware-address"]),
      addresses: asArray(i["ip-addresses"] ?? [], "ip addresses").map((a) => ({
        address: String(a["ip-address"]),
        family: a["ip-address-type"] === "ipv6" ? ("ipv6" as const) : ("ipv4" as const),
        prefix: num(a.prefix) ?? 0,
      })),
    }),
  );
}
