/**
 * Reply time and memory of `vms` on clusters of 100, 1,000 and 10,000 guests: the real command on the
 * bot's real Proxmox client against the PVE simulator (16 nodes, read-only token that sees every guest),
 * through the shared /cluster/resources read the wiring gives commands (src/services/inventory/cache.ts).
 *
 * - cold: the shared read was dropped, so the reply includes GET /cluster/resources (the simulator
 *   builds the JSON in this same process, so its work counts against the reply too);
 * - warm: the read is still fresh (within proxmox.inventoryCacheTtl); only filtering, sorting and
 *   formatting the rows remain.
 *
 * Each size runs in its own child process so its RSS is its own. The cache TTL is set long here so warm
 * replies stay warm however slow the machine is. Prints one JSON object.
 * Usage: npm run bench:inventory [-- runs]   (default 15 timed replies per size and mode, after 3 warm-ups)
 */
import { spawnSync } from "node:child_process";
import { cpus, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { vms } from "../src/commands/vms.js";
import { createInventoryCache } from "../src/services/inventory/cache.js";
import { silentLog } from "../src/services/log.js";
import { startPveSimulator } from "../src/sim/pve/index.js";
import { rssSampler, simProxmoxClient } from "./support.js";

const SIZES = [100, 1_000, 10_000];
const NODES = 16;
const WARMUP = 3;
const TARGET = { warmMs10k: 300, coldMs10k: 1000 };

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { medianMs: Number(at(0.5).toFixed(1)), p95Ms: Number(at(0.95).toFixed(1)) };
}

/** One size, in this process: prints its figures as one JSON line. */
async function measure(guests: number, runs: number) {
  const rss = rssSampler();
  const sim = await startPveSimulator({ tls: true, nodes: NODES, vms: guests, access: "read-only" });
  const client = simProxmoxClient(sim);
  const cache = createInventoryCache(client, { ttlMs: 60_000, clock: { now: () => Date.now() } });
  const ctx = {
    actor: { platform: "console" as const, id: "bench", name: "Bench", groups: [] },
    role: "viewer" as const,
    conversation: { platform: "console" as const, channelId: "bench" },
    requestId: "bench",
    clock: { now: () => Date.now() },
    log: silentLog,
    services: { proxmox: cache.cached } as never,
  };
  const reply = async (cold: boolean) => {
    if (cold) cache.invalidate();
    const t = performance.now();
    const r = await vms.run(ctx, {});
    const ms = performance.now() - t;
    if (!r.table) throw new Error(`vms answered without a table: ${r.text}`);
    return { ms, rows: r.table.rows.length };
  };
  let rows = 0;
  const cold: number[] = [];
  const warm: number[] = [];
  // Cold runs first, then warm ones: alternating them would bill the cold read's garbage to the warm reply.
  for (let i = 0; i < WARMUP + runs; i++) {
    const c = await reply(true);
    rows = c.rows;
    if (i >= WARMUP) cold.push(c.ms);
  }
  await reply(true);
  for (let i = 0; i < WARMUP + runs; i++) {
    const w = await reply(false);
    if (i >= WARMUP) warm.push(w.ms);
  }
  const requests = sim.requests.count("GET", "/cluster/resources");
  client.close();
  await sim.close();
  rss.stop();
  return {
    guests,
    rows,
    cold: stats(cold),
    warm: stats(warm),
    resourceReads: requests,
    rssPeakMB: rss.peakMB(),
  };
}

function runChild(guests: number, runs: number) {
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), "--one", String(guests), String(runs)],
    { encoding: "utf8", maxBuffer: 1 << 20 },
  );
  if (child.status !== 0) throw new Error(`bench for ${guests} guests failed:\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split("\n").at(-1)!) as Awaited<ReturnType<typeof measure>>;
}

async function main(argv: string[]) {
  if (argv[0] === "--one") {
    console.log(JSON.stringify(await measure(Number(argv[1]), Number(argv[2]))));
    return;
  }
  const runs = Number(argv[0] ?? 15);
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`runs: expected a whole number ≥ 1, got ${argv[0]}`);
  // Shared machines skew every figure: the load says how much CPU the run really had.
  const loadBefore = loadavg()[0]!;
  const results = SIZES.map((n) => runChild(n, runs));
  const [, k1, k10] = results;
  // Per-guest cost at 10,000 over that at 1,000: ≤ 1 is linear or better (100 is dominated by fixed costs).
  const growth = (mode: "cold" | "warm") =>
    Number((k10![mode].medianMs / 10_000 / (k1![mode].medianMs / 1_000)).toFixed(2));
  console.log(
    JSON.stringify({
      bench: "inventory-vms",
      nodes: NODES,
      runs,
      sizes: results,
      perGuestGrowth1kTo10k: { cold: growth("cold"), warm: growth("warm") },
      target: { ...TARGET, perGuestGrowth: 1 },
      pass: {
        warm10k: k10!.warm.medianMs < TARGET.warmMs10k,
        cold10k: k10!.cold.medianMs < TARGET.coldMs10k,
        linear: growth("cold") <= 1 && growth("warm") <= 1,
      },
      node: process.version,
      cpus: cpus().length,
      loadAverage1m: { before: Number(loadBefore.toFixed(1)), after: Number(loadavg()[0]!.toFixed(1)) },
    }),
  );
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
