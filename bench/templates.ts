/**
 * A 30-distro template matrix on the PVE simulator with fixed task durations (download 2 s, create with
 * import 3 s, resize 0.5 s, template 1 s) and a per-node limit of 2 over 3 nodes: pve1 and pve2 are
 * x86_64 and take the x86_64 images in turn, pve3 is aarch64 and takes the aarch64 ones (a build is
 * refused on a node of another architecture). Prints one JSON object: wall time, the lower bound those
 * durations and limits allow for that placement, their ratio, Proxmox requests per build against the
 * minimal call sequence, and peak RSS.
 *
 * Needs Redis at REDIS_URL (semaphores and VMID reservations live there, as in production).
 * Usage: tsx bench/templates.ts [distros]   (default 30)
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { deleteKeysWithPrefix } from "../src/adapters/store/redis.js";
import { createStores } from "../src/bot/compose/stores.js";
import { createTemplateServices } from "../src/bot/compose/templates.js";
import { systemClock } from "../src/services/clock.js";
import type { JsonObject } from "../src/services/jobs/definition.js";
import { silentLog } from "../src/services/log.js";
import { templatesConfigSchema } from "../src/services/templates/build/config.js";
import { type MatrixRow, runMatrix } from "../src/services/templates/build/matrix.js";
import { planBuild } from "../src/services/templates/build/plan.js";
import { ImageCatalog } from "../src/services/templates/catalog/catalog.js";
import { startChecksumMirror } from "../src/sim/mirror/checksum-mirror.js";
import { startPveSimulator } from "../src/sim/pve/index.js";
import { rssSampler, simProxmoxClient } from "./support.js";

const DISTROS = Number(process.argv[2] ?? 30);
const DURATIONS = { download: 2000, qmcreate: 3000, resize: 500, qmtemplate: 1000 };
const X86_NODES = ["pve1", "pve2"];
const ARM_NODE = "pve3";
const NODES = [...X86_NODES, ARM_NODE];
const PER_NODE = 2;
/**
 * The REST sequence of one build with a single status poll per task (distros NOTES §3.2): storage list,
 * import content, download + status, free VMID, create + status, config read (imported size), tag PUT,
 * template + status, config check; plus resize + status when the image is smaller than the disk.
 */
const MINIMAL_REQUESTS = 12;
const RESIZE_REQUESTS = 2;

async function main() {
  const sim = await startPveSimulator({ tls: true, taskDurations: DURATIONS });
  sim.state.node(ARM_NODE).arch = "aarch64";
  const catalog = ImageCatalog.load();
  const mirror = await startChecksumMirror({ catalog });
  const proxmox = simProxmoxClient(sim);
  const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  const prefix = `bench:${randomUUID()}:`;
  const rss = rssSampler();
  try {
    const config = templatesConfigSchema.parse({ concurrency: { perNode: PER_NODE }, defaults: { disk: 4 } });
    const deps = createTemplateServices({
      proxmox,
      catalog,
      mirrors: mirror.mirrors,
      stores: createStores(redis, { prefix }),
      config,
      clock: systemClock,
      log: silentLog,
      checksumTimeoutMs: 5000,
    });
    const entries = catalog.all().slice(0, DISTROS);
    let x86 = 0;
    const placed = entries.map((e) => ({
      distro: e.key,
      node: e.arch === "aarch64" ? ARM_NODE : X86_NODES[x86++ % X86_NODES.length]!,
    }));
    const requests = await Promise.all(
      placed.map((p) => planBuild(deps, { distro: p.distro, flags: { node: p.node }, requestedBy: "bench" })),
    );
    const rows: MatrixRow[] = requests.map((r) => ({
      distro: r.distro,
      node: r.node,
      status: "queued",
      detail: "",
    }));
    const state: JsonObject = {};
    const controller = new AbortController();
    sim.requests.clear();
    const started = performance.now();
    await runMatrix(
      deps,
      new Map(),
      {
        jobId: "bench",
        data: undefined,
        requestedBy: { platform: "console", id: "bench", name: "bench", groups: [] },
        attempt: 1,
        state,
        save: async () => {},
        progress: () => {},
        signal: controller.signal,
        log: silentLog,
      },
      requests,
      rows,
      () => {},
    );
    const wallMs = performance.now() - started;
    const failed = rows.filter((r) => r.status !== "built");
    const requestsPerBuild = sim.requests.entries.length / DISTROS;
    const resizes = sim.requests.entries.filter((e) => e.method === "PUT" && e.path.endsWith("/resize"));
    const resized = resizes.length;
    // A build whose image is not smaller than the disk skips the resize, so builds differ by its
    // duration. Per node, PER_NODE slots: one slot runs at least ceil(n / PER_NODE) builds, and the slots
    // share the total task time; the larger of the two bounds the node, the slowest node the run. Before
    // images had virtual sizes every build resized, and the bound was ceil(n / PER_NODE) full builds.
    const withoutResize = DURATIONS.download + DURATIONS.qmcreate + DURATIONS.qmtemplate;
    const lowerBoundMs = Math.max(
      ...NODES.map((n) => {
        const builds = placed.filter((p) => p.node === n).length;
        const grown = resizes.filter((e) => e.path.startsWith(`/nodes/${n}/`)).length;
        const total = builds * withoutResize + grown * DURATIONS.resize;
        // The busiest slot runs `rounds` builds; at most builds - grown of them skip the resize.
        const rounds = Math.ceil(builds / PER_NODE);
        const busiest = rounds * withoutResize + Math.max(0, rounds - (builds - grown)) * DURATIONS.resize;
        return Math.max(busiest, total / PER_NODE);
      }),
    );
    const minimalPerBuild = MINIMAL_REQUESTS + (RESIZE_REQUESTS * resized) / DISTROS;
    console.log(
      JSON.stringify({
        bench: "templates",
        distros: DISTROS,
        nodes: NODES.length,
        perNodeConcurrency: PER_NODE,
        taskDurationsMs: DURATIONS,
        built: rows.length - failed.length,
        failed: failed.map((r) => `${r.distro}: ${r.detail}`),
        wallMs: Math.round(wallMs),
        lowerBoundMs: Math.round(lowerBoundMs),
        ratio: Number((wallMs / lowerBoundMs).toFixed(3)),
        requestsPerBuild: Number(requestsPerBuild.toFixed(2)),
        builtPerNode: Object.fromEntries(NODES.map((n) => [n, placed.filter((p) => p.node === n).length])),
        resized,
        minimalRequestsPerBuild: Number(minimalPerBuild.toFixed(2)),
        requestRatio: Number((requestsPerBuild / minimalPerBuild).toFixed(3)),
        peakRssMB: rss.peakMB(),
      }),
    );
  } finally {
    rss.stop();
    await deleteKeysWithPrefix(redis, prefix);
    await redis.quit();
    proxmox.close();
    await mirror.close();
    await sim.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
