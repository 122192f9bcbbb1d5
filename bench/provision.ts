/**
 * `vm create --count 30` across 3 nodes on the PVE simulator with fixed task durations (clone 2 s, resize
 * 0.5 s, start 1 s; the guest agent answers 1.5 s after a start; one post-boot step runs 0.5 s), from a
 * template on shared storage, 4 VMs at a time per node. Prints one JSON object: wall time against the
 * bound those durations and limits allow, Proxmox requests per VM against the minimal sequence, and
 * peak RSS.
 *
 * The bound: the job's stages run one after another, each with at most `perNode` VMs of a node at once,
 * so each task stage needs ceil(VMs per node / perNode) rounds of its task; the last VMs started answer
 * the agent no earlier than the boot delay after their start.
 *
 * Needs Redis at REDIS_URL (VMID reservations live there, as in production).
 * Usage: tsx bench/provision.ts [count]   (default 30)
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { deleteKeysWithPrefix } from "../src/adapters/store/redis.js";
import { createStores } from "../src/bot/compose/stores.js";
import { createTemplateServices } from "../src/bot/compose/templates.js";
import { systemClock } from "../src/services/clock.js";
import type { JsonObject } from "../src/services/jobs/definition.js";
import { silentLog } from "../src/services/log.js";
import { provisionConfigSchema } from "../src/services/provision/config.js";
import { provisionServices } from "../src/services/provision/deps.js";
import { progressOf } from "../src/services/provision/each-vm.js";
import { CREATE_STAGES } from "../src/services/provision/job.js";
import { planCreate } from "../src/services/provision/plan.js";
import { templatesConfigSchema } from "../src/services/templates/build/config.js";
import { ImageCatalog } from "../src/services/templates/catalog/catalog.js";
import { startPveSimulator } from "../src/sim/pve/index.js";
import { rssSampler, simProxmoxClient } from "./support.js";

const COUNT = Number(process.argv[2] ?? 30);
const NODES = ["pve1", "pve2", "pve3"];
const PER_NODE = 4;
const DURATIONS = { qmclone: 2000, resize: 500, qmstart: 1000 };
const AGENT_DELAY_MS = 1500;
const EXEC_MS = 500;
/**
 * One VM's calls with a single status poll per task: clone + status, config read + PUT, resize +
 * status, start + status, network-get-interfaces, exec + exec-status. Planning adds, once per job: the
 * template (cluster resources, config), the nodes, the storage list, and the VMID list.
 */
const MINIMAL_PER_VM = 11;
const MINIMAL_PER_JOB = 5;

async function main() {
  const sim = await startPveSimulator({
    tls: true,
    taskDurations: DURATIONS,
    agentStartDelayMs: AGENT_DELAY_MS,
    execDurationMs: EXEC_MS,
  });
  sim.pveum(
    "pveum acl modify /storage/nfs-shared --users chatops@pve --roles ChatOpsDisks\n" +
      "pveum acl modify /storage/nfs-shared --tokens 'chatops@pve!bot' --roles ChatOpsDisks",
  );
  const proxmox = simProxmoxClient(sim);
  const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  const prefix = `bench:${randomUUID()}:`;
  const rss = rssSampler();
  try {
    const templates = createTemplateServices({
      proxmox,
      catalog: ImageCatalog.load(),
      mirrors: {},
      stores: createStores(redis, { prefix }),
      config: templatesConfigSchema.parse({}),
      clock: systemClock,
      log: silentLog,
    });
    const config = provisionConfigSchema.parse({
      perNode: PER_NODE,
      profiles: { bench: { postBoot: [{ name: "ready", run: "cloud-init status" }] } },
    });
    const deps = provisionServices(templates, config);
    const vmPerNode = Math.ceil(COUNT / NODES.length);
    const boundMs =
      Math.ceil(vmPerNode / PER_NODE) * (DURATIONS.qmclone + DURATIONS.resize + DURATIONS.qmstart + EXEC_MS) +
      AGENT_DELAY_MS;
    /** One job of `count` VMs, its stages timed, and the requests it sent. */
    const run = async (name: string, count: number) => {
      sim.requests.clear();
      const started = performance.now();
      const data = await planCreate(
        deps,
        {
          name,
          from: "tmpl-ubuntu-2404",
          node: NODES,
          count,
          linked: true,
          profile: "bench",
          ip: "dhcp",
          diskGiB: 8,
        },
        "bench",
      );
      const ctx = {
        jobId: name,
        data,
        requestedBy: { platform: "console" as const, id: "bench", name: "bench", groups: [] },
        attempt: 1,
        state: {} as JsonObject,
        save: async () => {},
        progress: () => {},
        signal: new AbortController().signal,
        log: silentLog,
      };
      const stageMs: Record<string, number> = {};
      for (const stage of CREATE_STAGES) {
        const at = performance.now();
        await stage.run(deps, ctx);
        stageMs[stage.name] = Math.round(performance.now() - at);
      }
      const wallMs = performance.now() - started;
      const withIp = data.vms.filter((_, i) => (progressOf(ctx, i).ips ?? []).length > 0).length;
      const requestsPerVm = sim.requests.entries.length / count;
      const minimalPerVm = MINIMAL_PER_VM + MINIMAL_PER_JOB / count;
      return {
        withIp,
        wallMs: Math.round(wallMs),
        stageMs,
        ratio: Number((wallMs / boundMs).toFixed(3)),
        requestsPerVm: Number(requestsPerVm.toFixed(2)),
        minimalRequestsPerVm: Number(minimalPerVm.toFixed(2)),
        requestRatio: Number((requestsPerVm / minimalPerVm).toFixed(3)),
      };
    };
    // A fresh process has not seen a clone, a boot or a step yet; the first job pays for learning
    // their durations (the task follower and the agent/exec pacer), a later one does not.
    const cold = await run("cold", COUNT);
    const warm = await run("warm", COUNT);
    console.log(
      JSON.stringify({
        bench: "provision",
        vms: COUNT,
        nodes: NODES.length,
        perNode: PER_NODE,
        taskDurationsMs: { ...DURATIONS, agentBoot: AGENT_DELAY_MS, exec: EXEC_MS },
        boundMs,
        cold,
        warm,
        running: [...sim.state.vms.values()].filter(
          (v) => v.status === "running" && v.vmid >= 1000 && v.vmid < 9000,
        ).length,
        peakRssMB: rss.peakMB(),
      }),
    );
  } finally {
    rss.stop();
    await deleteKeysWithPrefix(redis, prefix);
    await redis.quit();
    proxmox.close();
    await sim.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
