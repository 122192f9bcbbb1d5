import { hasPrivilege } from "../auth/acl.js";
import { paramErrorFor } from "../errors.js";
import type { SimState } from "../state/state.js";
import type { NodeState } from "../state/types.js";
import { num, type RequestContext, type RouteDefinition, str } from "./types.js";
import { vmStatusFields } from "./vm-view.js";

const REPOID: Record<string, string> = { "9.1": "4b5a4e3a7c9d0e11", "8.4": "2a5fa54a8503f96d" };

function nodeStats(state: SimState, n: NodeState, withStats: boolean): Record<string, unknown> {
  const base: Record<string, unknown> = {
    id: `node/${n.node}`,
    type: "node",
    node: n.node,
    status: n.status,
  };
  if (!withStats) return base;
  return {
    ...base,
    cpu: n.cpu,
    maxcpu: n.maxcpu,
    mem: n.mem,
    maxmem: n.maxmem,
    disk: n.disk,
    maxdisk: n.maxdisk,
    uptime: n.status === "online" ? state.uptimeSeconds(n) : 0,
    level: n.level,
  };
}

function listNodes(ctx: RequestContext) {
  const { state } = ctx.rt;
  return [...state.nodes.values()].map((n) => ({
    ...nodeStats(state, n, hasPrivilege(ctx.principal, `/nodes/${n.node}`, "Sys.Audit")),
    ssl_fingerprint: ctx.rt.config.tlsFingerprint || undefined,
  }));
}

function nodeStatus(ctx: RequestContext) {
  const { state } = ctx.rt;
  const n = state.node(str(ctx.params, "node")!);
  return {
    uptime: state.uptimeSeconds(n),
    cpu: n.cpu,
    loadavg: ["0.42", "0.37", "0.31"],
    wait: 0.0004,
    memory: { total: n.maxmem, used: n.mem, free: n.maxmem - n.mem, available: n.maxmem - n.mem },
    swap: { total: 8589930496, used: 0, free: 8589930496 },
    rootfs: { total: n.maxdisk, used: n.disk, free: n.maxdisk - n.disk, avail: n.maxdisk - n.disk },
    cpuinfo: {
      cpus: n.maxcpu,
      cores: n.maxcpu / 2,
      sockets: 1,
      model: "AMD EPYC 7302P 16-Core Processor",
      mhz: "3000.000",
      hvm: "1",
      flags: "",
    },
    kversion: `Linux ${n.kernel} #1 SMP PREEMPT_DYNAMIC PMX ${n.kernel} ${n.arch ?? "x86_64"}`,
    "current-kernel": {
      sysname: "Linux",
      release: n.kernel,
      version: `#1 SMP PREEMPT_DYNAMIC PMX ${n.kernel}`,
      machine: n.arch ?? "x86_64",
    },
    pveversion: `pve-manager/${n.managerVersion}/${REPOID[ctx.rt.version]}`,
    "boot-info": { mode: "efi", secureboot: 0 },
    ksm: { shared: 0 },
  };
}

function resources(ctx: RequestContext) {
  const { state } = ctx.rt;
  const type = str(ctx.params, "type");
  const out: Record<string, unknown>[] = [];
  const may = (path: string, ...privs: string[]) => privs.some((p) => hasPrivilege(ctx.principal, path, p));
  if (!type || type === "vm") {
    for (const vm of [...state.vms.values()].sort((a, b) => a.vmid - b.vmid)) {
      if (!may(`/vms/${vm.vmid}`, "VM.Audit")) continue;
      const { cpus, pid: _pid, ...fields } = vmStatusFields(state, vm);
      out.push({
        id: `qemu/${vm.vmid}`,
        type: "qemu",
        node: vm.node,
        ...fields,
        maxcpu: cpus,
        template: vm.config["template"] ? 1 : 0,
        ...(vm.pool ? { pool: vm.pool } : {}),
        ...(vm.haManaged ? { hastate: "started" } : {}),
      });
    }
  }
  if (!type || type === "node") {
    for (const n of state.nodes.values()) {
      out.push({ ...nodeStats(state, n, may(`/nodes/${n.node}`, "Sys.Audit")), "cgroup-mode": 2 });
    }
  }
  if (!type || type === "storage") {
    for (const n of state.nodes.values()) {
      for (const s of state.storages.values()) {
        if (s.nodes && !s.nodes.includes(n.node)) continue;
        if (!may(`/storage/${s.storage}`, "Datastore.Audit", "Datastore.AllocateSpace")) continue;
        out.push({
          id: `storage/${n.node}/${s.storage}`,
          type: "storage",
          storage: s.storage,
          node: n.node,
          status: "available",
          plugintype: s.type,
          content: s.content.join(","),
          shared: s.shared ? 1 : 0,
          disk: state.usedBytes(s.storage, n.node),
          maxdisk: s.total,
        });
      }
    }
  }
  if (!type) {
    for (const p of state.pools.values()) {
      if (may(`/pool/${p.poolid}`, "Pool.Audit", "VM.Audit"))
        out.push({ id: `pool/${p.poolid}`, type: "pool", pool: p.poolid });
    }
  }
  return out;
}

function nextid(ctx: RequestContext) {
  const { state } = ctx.rt;
  const wanted = num(ctx.params, "vmid");
  if (wanted !== undefined) {
    if (state.vms.has(wanted)) throw paramErrorFor("vmid", `VM ${wanted} already exists`);
    return String(wanted);
  }
  return String(state.nextFreeVmid());
}

export const clusterRoutes: RouteDefinition[] = [
  {
    method: "GET",
    path: "/version",
    handler: (ctx) => ({
      version: ctx.rt.state.managerVersion,
      release: ctx.rt.version,
      repoid: REPOID[ctx.rt.version],
      console: "html5",
    }),
  },
  { method: "GET", path: "/nodes", handler: listNodes },
  { method: "GET", path: "/nodes/{node}/status", handler: nodeStatus },
  { method: "GET", path: "/cluster/resources", handler: resources },
  { method: "GET", path: "/cluster/nextid", handler: nextid },
];
