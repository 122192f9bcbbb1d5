import { createHash } from "node:crypto";
import { handlerError } from "../errors.js";
import { parseDrive, parseSize, referencedVolids, vmDiskVolume } from "./disks.js";
import type { ParsedFixture } from "./fixture.js";
import { defaultKernel } from "./guest-defaults.js";
import type {
  NodeState,
  PoolState,
  StorageState,
  TaskRecord,
  VmConfig,
  VmState,
  VolumeState,
} from "./types.js";

/**
 * The whole simulated cluster: nodes, storages, volumes, pools, VMs and tasks. Handlers go through
 * the lookup helpers so "does not exist" answers are worded exactly like PVE's.
 */
export class SimState {
  readonly nodes = new Map<string, NodeState>();
  readonly storages = new Map<string, StorageState>();
  readonly pools = new Map<string, PoolState>();
  readonly vms = new Map<number, VmState>();
  readonly tasks = new Map<string, TaskRecord>();
  volumes: VolumeState[] = [];
  readonly managerVersion: string;
  private readonly now: () => number;

  constructor(fixture: ParsedFixture, managerVersion: string, now: () => number = Date.now) {
    this.now = now;
    this.managerVersion = managerVersion;
    const t = now();
    fixture.nodes.forEach((n, i) => {
      this.nodes.set(n.node, {
        node: n.node,
        status: n.status,
        maxcpu: n.maxcpu,
        cpu: n.cpu,
        maxmem: n.maxmem,
        mem: n.mem,
        maxdisk: n.maxdisk,
        disk: n.disk,
        bootedAt: t - n.uptime * 1000,
        managerVersion,
        kernel: n.kernel,
        level: n.level,
        nextPid: 0x1000 + i * 0x3000,
        pstart: 100_000 + n.uptime * 100,
      });
    });
    for (const s of fixture.storages) this.storages.set(s.storage, { ...s });
    for (const p of fixture.pools) this.pools.set(p.poolid, { ...p });
    for (const v of fixture.volumes) {
      const storage = this.storages.get(v.volid.split(":")[0]!)!;
      this.volumes.push({
        ...v,
        storage: storage.storage,
        node: storage.shared ? undefined : (v.node ?? fixture.nodes[0]!.node),
        ctime: Math.floor(t / 1000) - 86_400,
      });
    }
    const known = new Set(this.volumes.map((v) => v.volid));
    for (const vm of fixture.vms) {
      const running = vm.status === "running";
      this.vms.set(vm.vmid, {
        vmid: vm.vmid,
        node: vm.node,
        status: vm.status,
        startedAt: running ? t - 3_600_000 : undefined,
        config: { ...vm.config },
        snapshots: vm.snapshots.map((s) => ({
          ...s,
          config: { ...s.config },
          guest: this.guestFrom(vm.guest, vm.config),
        })),
        pool: vm.pool,
        haManaged: vm.haManaged,
        guest: this.guestFrom(vm.guest, vm.config),
        agentReadyAt: 0,
        execs: new Map(),
        nextExecPid: 1000 + (vm.vmid % 1000),
      });
      this.registerDisks(vm.vmid, vm.node, vm.config, known);
    }
  }

  private guestFrom(g: ParsedFixture["vms"][number]["guest"], config: VmConfig) {
    return {
      os: g.os,
      kernel: g.kernel ?? defaultKernel(g.os),
      hostname: String(config["name"] ?? "localhost"),
      packages: g.packages.map((p) => ({ ...p })),
      rebootRequired: g.rebootRequired ?? false,
      indexFresh: false,
      ipv4: g.ipv4 ?? "10.20.0.250",
    };
  }

  /**
   * Records the volumes a fixture VM's config references, so storage content listings show them. `known`
   * holds the volids recorded so far: a seeded cluster has one per guest, and a scan each time was quadratic.
   */
  private registerDisks(vmid: number, node: string, config: VmConfig, known: Set<string>): void {
    for (const volid of referencedVolids(config)) {
      if (known.has(volid)) continue;
      known.add(volid);
      const storage = this.storages.get(volid.split(":")[0]!);
      if (!storage) continue;
      const key = Object.keys(config).find(
        (k) => String(config[k]).startsWith(`${volid},`) || config[k] === volid,
      );
      const size = parseSize(parseDrive(String(config[key!])).options.get("size") ?? "") ?? 4 * 1024 ** 2;
      this.volumes.push(
        vmDiskVolume(storage, node, vmid, volid, size, Math.floor(this.now() / 1000) - 86_400),
      );
    }
  }

  nowMs(): number {
    return this.now();
  }

  /** A node of the cluster; PVE's proxy answers a name that resolves nowhere with this 500. */
  node(name: string): NodeState {
    const node = this.nodes.get(name);
    if (!node) {
      throw handlerError(
        `hostname lookup '${name}' failed - failed to get address info for: ${name}: Name or service not known`,
      );
    }
    return node;
  }

  /** A VM whose config lives on `node`; a VM on another node is "does not exist" there, as in PVE. */
  vm(node: string, vmid: number): VmState {
    const vm = this.vms.get(vmid);
    if (!vm || vm.node !== node) {
      throw handlerError(`Configuration file 'nodes/${node}/qemu-server/${vmid}.conf' does not exist`);
    }
    return vm;
  }

  storage(id: string, node?: string): StorageState {
    const s = this.storages.get(id);
    if (!s) throw handlerError(`storage '${id}' does not exist`);
    if (node && s.nodes && !s.nodes.includes(node)) {
      throw handlerError(`storage '${id}' is not available on node '${node}'`);
    }
    return s;
  }

  /** Volumes visible on `node` in `storage` (local storages are per node). */
  volumesOn(storage: string, node: string): VolumeState[] {
    return this.volumes.filter((v) => v.storage === storage && (v.node === undefined || v.node === node));
  }

  findVolume(volid: string, node: string): VolumeState | undefined {
    return this.volumes.find((v) => v.volid === volid && (v.node === undefined || v.node === node));
  }

  addVolume(volume: VolumeState): void {
    this.volumes.push(volume);
  }

  removeVolume(volid: string, node: string): void {
    this.volumes = this.volumes.filter(
      (v) => !(v.volid === volid && (v.node === undefined || v.node === node)),
    );
  }

  usedBytes(storage: string, node: string): number {
    return this.volumesOn(storage, node).reduce((sum, v) => sum + v.size, 0);
  }

  /** SHA1 of the config, as PVE's `digest` (stable key order). */
  digest(config: VmConfig): string {
    const text = Object.keys(config)
      .sort()
      .map((k) => `${k}: ${config[k]}`)
      .join("\n");
    return createHash("sha1").update(text).digest("hex");
  }

  /** The lowest free VMID at or above 100 (datacenter.cfg `next-id` defaults). */
  nextFreeVmid(): number {
    let id = 100;
    while (this.vms.has(id)) id++;
    return id;
  }

  uptimeSeconds(node: NodeState): number {
    return Math.max(0, Math.floor((this.now() - node.bootedAt) / 1000));
  }
}
