/**
 * A generated cluster of any size (`--nodes 16 --vms 10000`), for benchmarks and scale tests: realistic
 * names, tags and pools, a share of templates, guests spread over the nodes. Deterministic: the same
 * sizes and seed give the same cluster, so a benchmark run can be compared with the last one.
 */
import type { ClusterFixture } from "./fixture.js";

export interface SeedOptions {
  nodes: number;
  vms: number;
  /** PRNG seed; default 1. */
  seed?: number;
}

/** Bounds that keep a typo (`--vms 1e9`) from eating the machine; PVE clusters stop far below them. */
export const MAX_SEED_NODES = 1000;
export const MAX_SEED_VMS = 200_000;

const GIB = 1024 ** 3;
/** One guest in this many is a template (real clusters keep a few per distribution). */
const TEMPLATE_EVERY = 40;
const ROLES = ["web", "api", "db", "cache", "mq", "worker", "lb", "mon", "ci", "k8s", "git", "vpn"];
const ENVS = ["prod", "staging", "dev"] as const;
const POOLS = ["prod", "staging", "dev", "chatops"] as const;
const DISTROS = [
  { os: "debian", name: "debian-12", tag: "debian" },
  { os: "ubuntu", name: "ubuntu-2404", tag: "ubuntu" },
  { os: "rocky", name: "rocky-9", tag: "rocky" },
  { os: "alpine", name: "alpine-321", tag: "alpine" },
  { os: "fedora", name: "fedora-41", tag: "fedora" },
  { os: "opensuse", name: "opensuse-156", tag: "opensuse" },
] as const;
const SIZES = [
  { cores: 1, memory: 1024, disk: 8 },
  { cores: 2, memory: 2048, disk: 20 },
  { cores: 2, memory: 4096, disk: 32 },
  { cores: 4, memory: 8192, disk: 64 },
  { cores: 8, memory: 16384, disk: 128 },
];

/** mulberry32: tiny, fast and good enough to spread guests; not for anything secret. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function checkCount(what: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${what}: expected a whole number from ${min} to ${max}, got ${value}`);
  }
}

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

function mac(vmid: number): string {
  const hex = vmid.toString(16).padStart(6, "0").slice(-6);
  return `BC:24:11:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`.toUpperCase();
}

/** Node names as large sites number them: pve01 … pve16 (three digits from 100 nodes on). */
function nodeNames(count: number): string[] {
  const width = count >= 100 ? 3 : 2;
  return Array.from({ length: count }, (_, i) => `pve${String(i + 1).padStart(width, "0")}`);
}

/**
 * The fixture of a cluster with `nodes` nodes and `vms` guests (VMIDs from 100 up). Storages are the
 * usual three (local, local-lvm per node, one NFS share), so template builds and clones work on it too.
 */
export function seedCluster(options: SeedOptions): ClusterFixture {
  checkCount("nodes", options.nodes, 1, MAX_SEED_NODES);
  checkCount("vms", options.vms, 0, MAX_SEED_VMS);
  const rand = prng(options.seed ?? 1);
  const names = nodeNames(options.nodes);
  const nodes = names.map((node) => ({
    node,
    maxcpu: 64,
    cpu: Math.round(rand() * 40) / 100,
    maxmem: 512 * GIB,
    mem: Math.floor((0.2 + rand() * 0.5) * 512 * GIB),
    maxdisk: 100 * GIB,
    disk: Math.floor((0.1 + rand() * 0.3) * 100 * GIB),
    uptime: 86_400 + Math.floor(rand() * 90) * 86_400,
  }));
  const vms: ClusterFixture["vms"] = [];
  const counters = new Map<string, number>();
  for (let i = 0; i < options.vms; i++) {
    const vmid = 100 + i;
    const node = names[i % names.length]!;
    const distro = pick(rand, DISTROS);
    const size = pick(rand, SIZES);
    const template = i % TEMPLATE_EVERY === TEMPLATE_EVERY - 1;
    const env = pick(rand, ENVS);
    const role = pick(rand, ROLES);
    const key = template ? `tmpl-${distro.name}` : `${role}-${env}`;
    const n = (counters.get(key) ?? 0) + 1;
    counters.set(key, n);
    const name = `${key}-${String(n).padStart(3, "0")}`;
    const pool = template ? "chatops" : rand() < 0.85 ? env : pick(rand, POOLS);
    const tags = template ? ["tmpl", distro.tag] : [env, role, distro.tag];
    const disk = template ? `base-${vmid}-disk-0` : `vm-${vmid}-disk-0`;
    vms.push({
      vmid,
      node,
      status: !template && rand() < 0.7 ? "running" : "stopped",
      pool,
      config: {
        name,
        ostype: "l26",
        memory: String(size.memory),
        cores: size.cores,
        sockets: 1,
        cpu: "x86-64-v2-AES",
        scsihw: "virtio-scsi-single",
        scsi0: `local-lvm:${disk},iothread=1,size=${size.disk}G`,
        net0: `virtio=${mac(vmid)},bridge=vmbr0`,
        boot: "order=scsi0",
        agent: "enabled=1",
        tags: tags.sort().join(";"),
        ...(template ? { template: 1 } : { onboot: 1 }),
      },
      guest: { os: distro.os, packages: [{ name: "qemu-guest-agent", version: "1:8.2.2" }] },
    });
  }
  return {
    nodes,
    storages: [
      {
        storage: "local",
        type: "dir",
        path: "/var/lib/vz",
        content: ["iso", "vztmpl", "backup", "import", "snippets"],
        total: 100 * GIB,
      },
      { storage: "local-lvm", type: "lvmthin", content: ["images", "rootdir"], total: 4096 * GIB },
      {
        storage: "nfs-shared",
        type: "nfs",
        path: "/mnt/pve/nfs-shared",
        content: ["images", "import", "iso"],
        shared: true,
        total: 64 * 1024 * GIB,
      },
    ],
    pools: [
      { poolid: "chatops", comment: "VMs and templates managed by the ChatOps bot" },
      { poolid: "prod", comment: "Production services" },
      { poolid: "staging", comment: "Staging" },
      { poolid: "dev", comment: "Development" },
    ],
    vms,
  };
}
