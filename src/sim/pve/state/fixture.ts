import { readFileSync } from "node:fs";
import { z } from "zod";

const configValue = z.union([z.string(), z.number()]);

const packageSchema = z.object({
  name: z.string().min(1),
  version: z.string().min(1),
  available: z.string().optional(),
});

const guestSchema = z.object({
  os: z.enum(["debian", "ubuntu", "rocky", "fedora", "opensuse", "alpine"]),
  kernel: z.string().optional(),
  ipv4: z.string().optional(),
  rebootRequired: z.boolean().optional(),
  packages: z.array(packageSchema).default([]),
});

const snapshotSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_-]+$/i),
  snaptime: z.number().int(),
  description: z.string().default(""),
  vmstate: z.union([z.literal(0), z.literal(1)]).default(0),
  parent: z.string().optional(),
  config: z.record(z.string(), configValue),
});

const fixtureSchema = z.object({
  nodes: z
    .array(
      z.object({
        node: z.string().regex(/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/),
        status: z.enum(["online", "offline", "unknown"]).default("online"),
        maxcpu: z.number().int().positive(),
        cpu: z.number().min(0).max(1),
        maxmem: z.number().int().positive(),
        mem: z.number().int().min(0),
        maxdisk: z.number().int().positive(),
        disk: z.number().int().min(0),
        uptime: z.number().int().min(0),
        kernel: z.string().default("6.14.11-4-pve"),
        level: z.string().default(""),
      }),
    )
    .min(1),
  storages: z.array(
    z.object({
      storage: z.string().regex(/^[a-z][a-z0-9\-_.]*[a-z0-9]$/i),
      type: z.enum(["dir", "nfs", "lvmthin", "lvm", "rbd", "zfspool"]),
      content: z.array(z.enum(["images", "rootdir", "vztmpl", "iso", "backup", "snippets", "import"])),
      shared: z.boolean().default(false),
      nodes: z.array(z.string()).optional(),
      path: z.string().optional(),
      total: z.number().int().positive(),
      enabled: z.boolean().default(true),
    }),
  ),
  pools: z.array(z.object({ poolid: z.string().min(1), comment: z.string().optional() })).default([]),
  volumes: z
    .array(
      z.object({
        volid: z.string().regex(/^[a-z][a-z0-9\-_.]*[a-z0-9]:.+$/i),
        node: z.string().optional(),
        content: z.string(),
        format: z.string(),
        size: z.number().int().min(0),
      }),
    )
    .default([]),
  vms: z.array(
    z.object({
      vmid: z.number().int().min(100).max(999999999),
      node: z.string(),
      status: z.enum(["running", "stopped"]),
      pool: z.string().optional(),
      haManaged: z.boolean().default(false),
      config: z.record(z.string(), configValue),
      snapshots: z.array(snapshotSchema).default([]),
      guest: guestSchema,
    }),
  ),
});

/** The JSON shape of a seeded cluster (see `fixtures/cluster.json`). */
export type ClusterFixture = z.input<typeof fixtureSchema>;
export type ParsedFixture = z.output<typeof fixtureSchema>;

/**
 * Validates a fixture and its cross-references (nodes, storages, pools), listing every problem, so a
 * broken fixture stops the simulator at start instead of producing odd answers later.
 */
export function parseFixture(input: unknown): ParsedFixture {
  const parsed = fixtureSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new Error(`invalid cluster fixture:\n${lines.join("\n")}`);
  }
  const f = parsed.data;
  const problems: string[] = [];
  const nodes = new Set(f.nodes.map((n) => n.node));
  const storages = new Set(f.storages.map((s) => s.storage));
  const pools = new Set(f.pools.map((p) => p.poolid));
  const vmids = new Set<number>();
  for (const s of f.storages) {
    for (const n of s.nodes ?? [])
      if (!nodes.has(n)) problems.push(`storage ${s.storage}: unknown node '${n}'`);
  }
  for (const vm of f.vms) {
    if (vmids.has(vm.vmid)) problems.push(`vm ${vm.vmid}: duplicate vmid`);
    vmids.add(vm.vmid);
    if (!nodes.has(vm.node)) problems.push(`vm ${vm.vmid}: unknown node '${vm.node}'`);
    if (vm.pool && !pools.has(vm.pool)) problems.push(`vm ${vm.vmid}: unknown pool '${vm.pool}'`);
  }
  for (const v of f.volumes) {
    const storage = v.volid.split(":")[0]!;
    if (!storages.has(storage)) problems.push(`volume ${v.volid}: unknown storage '${storage}'`);
  }
  if (problems.length > 0) throw new Error(`invalid cluster fixture:\n${problems.join("\n")}`);
  return f;
}

/** The seeded three-node cluster shipped with the simulator. */
export function defaultFixture(): ClusterFixture {
  return JSON.parse(
    readFileSync(new URL("../fixtures/cluster.json", import.meta.url), "utf8"),
  ) as ClusterFixture;
}
