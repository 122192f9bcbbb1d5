/** The simulator, a client with the documented token and the update services wired against them. */
import { createHealthProbes } from "../../src/adapters/net/health-probes.js";
import type { CommandContext, CommandServices } from "../../src/commands/definition.js";
import { type UpdatesConfigInput, updatesConfigSchema } from "../../src/services/updates/config.js";
import type { UpdateServices } from "../../src/services/updates/deps.js";
import { Pacer } from "../../src/services/updates/pacer.js";
import type { SimOptions } from "../../src/sim/pve/index.js";
import type { GuestOsId, PackageState } from "../../src/sim/pve/state/types.js";
import { type SimClient, startSimClient } from "../proxmox/helpers/sim.js";

export interface UpdateSim {
  t: SimClient;
  deps: UpdateServices;
  close(): Promise<void>;
}

export async function startUpdateSim(
  config: UpdatesConfigInput = {},
  sim: SimOptions = {},
): Promise<UpdateSim> {
  const t = await startSimClient({ defaultTaskDurationMs: 20, execDurationMs: 10, ...sim });
  const clock = { now: () => Date.now() };
  const deps: UpdateServices = {
    proxmox: t.client,
    config: updatesConfigSchema.parse({ pollInterval: 5, ...config }),
    clock,
    probes: createHealthProbes(),
    pacer: new Pacer(clock, (ms) => new Promise((r) => setTimeout(r, ms))),
  };
  return { t, deps, close: () => t.close() };
}

export interface GuestSpec {
  vmid: number;
  node?: string;
  os?: GuestOsId;
  name?: string;
  tags?: string[];
  pool?: string;
  status?: "running" | "stopped";
  /** The disk's volume id; an nfs qcow2 (snapshot-capable) by default. */
  disk?: string;
  packages?: PackageState[];
  ipv4?: string;
  /** PVE's creation time in seconds (config `meta`); now by default, as qemu-server writes it. */
  ctime?: number;
}

/** Adds a VM with a running agent to the simulator's cluster (pool chatops, so the bot's token sees it). */
export function addGuest(t: SimClient, spec: GuestSpec): void {
  const name = spec.name ?? `guest${spec.vmid}`;
  const os = spec.os ?? "debian";
  t.sim.state.vms.set(spec.vmid, {
    vmid: spec.vmid,
    node: spec.node ?? "pve1",
    status: spec.status ?? "running",
    startedAt: Date.now() - 60_000,
    config: {
      name,
      ostype: "l26",
      memory: "1024",
      cores: 1,
      scsihw: "virtio-scsi-single",
      scsi0: `${spec.disk ?? `nfs-shared:${spec.vmid}/vm-${spec.vmid}-disk-0.qcow2`},size=8G`,
      net0: "virtio=BC:24:11:00:02:01,bridge=vmbr0",
      agent: "enabled=1",
      meta: `creation-qemu=9.2.0,ctime=${spec.ctime ?? Math.floor(Date.now() / 1000)}`,
      ...(spec.tags?.length ? { tags: spec.tags.join(";") } : {}),
    },
    snapshots: [],
    pool: spec.pool ?? "chatops",
    haManaged: false,
    guest: {
      os,
      kernel: "6.1.0-37-cloud-amd64",
      hostname: name,
      packages: (
        spec.packages ?? [
          { name: "openssl", version: "3.0.16-1", available: "3.0.17-1", security: true },
          { name: "nginx", version: "1.24.0-1", available: "1.24.0-2" },
        ]
      ).map((p) => ({ ...p })),
      rebootRequired: false,
      indexFresh: false,
      ipv4: spec.ipv4 ?? "10.20.0.200",
    },
    agentReadyAt: 0,
    execs: new Map(),
    nextExecPid: 1000,
  });
}

/** A command context as an operator, with the update services wired. */
export function updateContext(u: UpdateSim, role: CommandContext["role"] = "operator"): CommandContext {
  return {
    actor: { platform: "console", id: "alice", name: "Alice", groups: [] },
    role,
    conversation: { platform: "console", channelId: "ops" },
    requestId: "req-update",
    clock: u.deps.clock,
    log: u.t.log,
    services: { proxmox: u.t.client, updates: u.deps } as unknown as CommandServices,
  };
}
