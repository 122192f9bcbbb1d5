import { createUpdateServices } from "../src/bot/compose/updates.js";
import { systemClock } from "../src/services/clock.js";
import { silentLog } from "../src/services/log.js";
import { rolloutOptionsSchema, updatesConfigSchema } from "../src/services/updates/config.js";
import { runRollout } from "../src/services/updates/rollout.js";
import type { TargetVm } from "../src/services/updates/targets.js";
import type { VmRecord } from "../src/services/updates/vm-record.js";
import { updateVm } from "../src/services/updates/vm-update.js";
import { startPveSimulator } from "../src/sim/pve/index.js";
import { rssSampler, simProxmoxClient } from "./support.js";

const VMS = Number(process.argv[2] ?? 60);
const BATCH = Number(process.argv[3] ?? 6);
const NODES = ["pve1", "pve2", "pve3"];
const TASK_MS = 800;
const EXEC_MS = 400;
const AGENT_MS = 1200;
/**
 * One VM with a reboot, docs/UPDATES.md "Minimal request sequence": ping, get-osinfo, exec plan + status,
 * snapshot + task status, exec upgrade + status, exec reboot check + status, reboot + task status, ping
 * (agent back), exec systemctl + status.
 */
const MINIMAL_REQUESTS = 15;
/** plan, upgrade, reboot check and systemctl commands; snapshot and reboot tasks; the agent's return. */
const PER_VM_MS = 4 * EXEC_MS + 2 * TASK_MS + AGENT_MS;

async function main() {
  const sim = await startPveSimulator({
    tls: true,
    taskDurations: { qmsnapshot: TASK_MS, qmreboot: TASK_MS },
    execDurationMs: EXEC_MS,
    agentStartDelayMs: AGENT_MS,
  });
  const vms: TargetVm[] = [];
  for (let i = 0; i < VMS; i++) {
    const vmid = 2000 + i;
    const node = NODES[i % NODES.length]!;
    vms.push({ vmid, name: `bench${i}`, node, tags: [] });
    sim.state.vms.set(vmid, {
      vmid,
      node,
      status: "running",
      startedAt: Date.now(),
      config: {
        name: `bench${i}`,
        scsi0: `nfs-shared:${vmid}/vm-${vmid}-disk-0.qcow2,size=8G`,
        agent: "enabled=1",
        memory: "1024",
      },
      snapshots: [],
      pool: "chatops",
      haManaged: false,
      guest: {
        os: "debian",
        kernel: "6.1.0-37-cloud-amd64",
        hostname: `bench${i}`,
        packages: [
          { name: "linux-image-cloud-amd64", version: "6.1.0-37", available: "6.1.0-38", security: true },
          { name: "openssl", version: "3.0.16-1", available: "3.0.17-1", security: true },
        ],
        rebootRequired: false,
        indexFresh: false,
        ipv4: "10.20.0.200",
      },
      agentReadyAt: 0,
      execs: new Map(),
      nextExecPid: 1000,
    });
  }
  const proxmox = simProxmoxClient(sim);
  const updates = createUpdateServices({
    proxmox,
    config: updatesConfigSchema.parse({ nodeLimit: 2, pollInterval: 50 }),
    clock: systemClock,
    log: silentLog,
  });
  const options = rolloutOptionsSchema.parse({ canary: 0, batch: BATCH });
  const rss = rssSampler();
  const records: Record<string, VmRecord> = {};
  let persisted = "";
  sim.requests.clear();
  const started = performance.now();
  const end = await runRollout({
    vms,
    records,
    options,
    nodeLimit: updates.config.nodeLimit,
    cancelled: () => false,
    changed() {},
    update: (vm, record) =>
      updateVm({
        deps: updates,
        vm,
        record,
        options,
        jobId: "bench",
        requestedBy: "bench",
        save: async () => {
          persisted = JSON.stringify(records);
        },
        changed() {},
      }),
  });
  const wallMs = performance.now() - started;
  rss.stop();
  const done = Object.values(records).filter((r) => r.phase === "done" && r.rebooted).length;
  const requests = sim.requests.entries.length;
  const rounds = Math.ceil(VMS / BATCH);
  const boundMs = rounds * PER_VM_MS;
  console.log(
    JSON.stringify({
      vms: VMS,
      batch: BATCH,
      nodeLimit: updates.config.nodeLimit,
      end,
      updatedWithReboot: done,
      wallMs: Math.round(wallMs),
      boundMs,
      wallOverBound: Number((wallMs / boundMs).toFixed(3)),
      requests,
      requestsPerVm: Number((requests / VMS).toFixed(2)),
      minimalRequestsPerVm: MINIMAL_REQUESTS,
      requestsOverMinimal: Number((requests / VMS / MINIMAL_REQUESTS).toFixed(3)),
      perVmMs: Math.round(
        Object.values(records).reduce((n, r) => n + (r.finishedAt ?? 0) - (r.startedAt ?? 0), 0) / VMS,
      ),
      stateBytes: persisted.length,
      peakRssMb: rss.peakMB(),
    }),
  );
  if (process.env.BENCH_DEBUG) {
    const by = new Map<string, number>();
    for (const e of sim.requests.entries) {
      const k = `${e.method} ${e.path.replace(/\d{4}/, "N").replace(/UPID[^/]*/, "U")}`;
      by.set(k, (by.get(k) ?? 0) + 1);
    }
    console.error([...by].map(([k, n]) => `${k} ${(n / VMS).toFixed(2)}`).join("\n"));
  }
  proxmox.close();
  await sim.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
