/**
 * `npm run chaos`: a bounded fault run on loopback against the real CLI in child processes (see
 * scale/rig.ts). It stops by itself and prints one JSON object; exit code 1 when a claim does not hold.
 *
 * 1. workerKills: 30 template builds over 3 workers while a random worker is SIGKILLed every 3 s (20 kills,
 *    each replaced): every job ends (completed, or failed with its reason), no build created two VMs, and
 *    no VM is left that is neither a finished template nor claimed by a job that is still running.
 * 2. redisRestart: approvals asked while a private redis-server with AOF (appendfsync always) is killed
 *    and restarted: every approval the bot confirmed to its requester is still there afterwards and can
 *    be approved.
 * 2b. alertWebhooks, during the same restart: 30 signed Grafana and Alertmanager webhooks (10 before, 10
 *    around the kill, 10 after) to the front-ends' real routes, each sender retrying 5xx and dropped
 *    connections as Grafana and Alertmanager do: every webhook ends on a 2xx, and every group and alert
 *    sent is in Redis afterwards.
 * 3. proxmoxFaults: builds under injected 5xx answers, request timeouts, dropped connections (before and
 *    after the server acted) and VM config locks: each build completes or fails with a reason.
 * 4. slackStorm: builds while chat.postMessage and chat.update answer 429 and 5xx storms: every job card is
 *    posted and its last edit delivered. Every message goes through the durable outbox; its retry delays
 *    are shortened here (250 ms doubling to at most 2 s instead of 500 ms to 30 s) so that the storms'
 *    runs of eight 503s in a row take seconds, not minutes: the tries, not the waits, are under test.
 *
 * Needs redis-server on PATH and Redis at REDIS_URL.
 */
import { ImageCatalog } from "../src/services/templates/catalog/catalog.js";
import { buttonsOf } from "../test/fakes/slack/index.js";
import { PrivateRedis } from "../test/helpers/private-redis.js";
import {
  ALERT_SOURCES,
  type AlertWebhook,
  alertWebhook,
  compareStored,
  type SendRecord,
  sendUntilStored,
} from "./scale/alert-webhooks.js";
import { approveButton, distroKeys, jobOutcomes } from "./scale/measure.js";
import { Rig, until } from "./scale/rig.js";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const NODES = ["pve1", "pve2", "pve3"];
const DURATIONS = { download: 300, qmcreate: 400, resize: 100, qmtemplate: 200 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function x86Distros(count: number): string[] {
  const keys = ImageCatalog.load()
    .all()
    .filter((e) => e.arch === "x86_64")
    .map((e) => e.key);
  return distroKeys(keys, count);
}

/** Starts `count` builds named `<tag>-<i>` through the front-ends; resolves when all were acknowledged. */
async function startBuilds(rig: Rig, tag: string, count: number): Promise<void> {
  const fes = rig.frontEnds;
  await Promise.all(
    x86Distros(count).map((distro, i) =>
      rig.slash(
        `template build ${distro} --node ${NODES[i % 3]} --force --name ${tag}-${i}`,
        fes[i % fes.length]!,
      ),
    ),
  );
}

/** VMs of the run in the simulator, by name. */
function vmsNamed(rig: Rig, tag: string): { name: string; template: boolean }[] {
  return [...rig.sim.state.vms.values()]
    .filter((vm) => String(vm.config.name ?? "").startsWith(`${tag}-`))
    .map((vm) => ({ name: String(vm.config.name), template: String(vm.config.template ?? "0") === "1" }));
}

function buildCheck(rig: Rig, tag: string, outcomes: Awaited<ReturnType<typeof jobOutcomes>>, count: number) {
  const vms = vmsNamed(rig, tag);
  const byName = new Map<string, number>();
  for (const vm of vms) byName.set(vm.name, (byName.get(vm.name) ?? 0) + 1);
  const jobs = new Set(outcomes.map((o) => o.jobId));
  const failed = outcomes.filter((o) => o.outcome !== "completed");
  return {
    builds: count,
    completed: outcomes.filter((o) => o.outcome === "completed").length,
    failed: failed.length,
    failedWithoutReason: failed.filter((o) => !o.detail).length,
    failureReasons: [...new Set(failed.map((o) => String(o.detail).slice(0, 100)))].slice(0, 5),
    lostJobs: count - jobs.size,
    duplicatedCreates: [...byName.values()].filter((n) => n > 1).length,
    orphanVms: vms.filter((vm) => !vm.template).length,
  };
}

async function workerKills(): Promise<Record<string, unknown>> {
  const rig = await Rig.start({
    frontEnds: 1,
    workers: 3,
    redisUrl: REDIS_URL,
    workerConcurrency: 3,
    taskDurations: { download: 1000, qmcreate: 1500, resize: 300, qmtemplate: 800 },
    extra: {
      jobs: {
        concurrency: 3,
        attempts: 5,
        backoff: 500,
        progressInterval: 1000,
        stallTimeout: 4000,
        maxStalls: 10,
      },
    },
  });
  try {
    const since = Date.now();
    await startBuilds(rig, "kill", 30);
    const spawns: Promise<unknown>[] = [];
    let kills = 0;
    while (kills < 20) {
      await sleep(3000);
      const alive = rig.workers;
      if (alive.length === 0) continue;
      await rig.kill(alive[Math.floor(Math.random() * alive.length)]!);
      kills++;
      spawns.push(rig.spawn("worker").catch((err: unknown) => err));
    }
    await Promise.all(spawns);
    await until(async () => (await jobOutcomes(rig, since)).length >= 30, 180_000, "30 job outcomes").catch(
      () => undefined,
    );
    // Cleanup of a failed build may still be running; give it a moment before counting VMs.
    await sleep(3000);
    return {
      kills,
      wallMs: Date.now() - since,
      ...buildCheck(rig, "kill", await jobOutcomes(rig, since), 30),
    };
  } finally {
    await rig.stop();
  }
}

async function redisRestart(): Promise<{ approvals: Record<string, unknown>; alerts: AlertFigures }> {
  const redis = await PrivateRedis.start(["--appendonly", "yes", "--appendfsync", "always"]);
  const rig = await Rig.start({
    frontEnds: 2,
    workers: 1,
    redisUrl: redis.url,
    approvers: 2,
    askers: 30,
    extra: { alerts: ALERT_SOURCES },
  });
  try {
    // Confirmed: the requester was told the request exists (ephemeral answer) or its card was posted.
    const confirmedIds = () => {
      const ids = new Set<string>();
      for (const p of rig.fake.state.responsePosts) {
        const id = /Approval requested[^"]*Request ([A-Za-z0-9_-]+)/.exec(JSON.stringify(p.body))?.[1];
        if (id) ids.add(id);
      }
      for (const m of rig.fake.state.messages) {
        for (const b of buttonsOf(m.blocks)) {
          const id = /^approval:([A-Za-z0-9_-]+):approve$/.exec(b.action_id)?.[1];
          if (id) ids.add(id);
        }
      }
      return ids;
    };
    const fes = rig.frontEnds;
    // One asker each: the same person asking the same thing twice is one request, not two.
    const ask = (i: number) => rig.slash("vm stop edge01", fes[i % 2]!, `U0ASKER${i}`).catch(() => 0);
    // Each batch is answered after its ack (the answer comes through response_url); wait for the answers.
    const answered = (n: number) =>
      until(() => rig.fake.state.responsePosts.length >= n, 60_000, `${n} answers`).catch(() => undefined);
    const hooks = Array.from({ length: 30 }, (_, i) => alertWebhook("aw", i, 3));
    const sends: Promise<SendRecord>[] = [];
    const hook = (i: number) => {
      const base = `http://127.0.0.1:${fes[i % 2]!.port}`;
      const sent = sendUntilStored(base, hooks[i]!, 90_000);
      sends.push(sent);
      return sent;
    };
    const before = Array.from({ length: 10 }, (_, i) => ask(i));
    await Promise.all([...before, ...Array.from({ length: 10 }, (_, i) => hook(i))]);
    await answered(10);
    // Webhooks around the kill: some are in flight when Redis dies, the rest arrive while it is down.
    for (let i = 10; i < 14; i++) hook(i);
    const killedAt = Date.now();
    await redis.kill();
    const during = Array.from({ length: 10 }, (_, i) => ask(10 + i));
    for (let i = 14; i < 20; i++) {
      hook(i);
      await sleep(150);
    }
    await sleep(600);
    await redis.restart();
    const downMs = Date.now() - killedAt;
    await Promise.all(during);
    await answered(20);
    const after = Array.from({ length: 10 }, (_, i) => ask(20 + i));
    await Promise.all([...after, ...Array.from({ length: 10 }, (_, i) => hook(20 + i))]);
    await answered(30);
    const alerts = alertFigures(
      await Promise.all(sends),
      hooks,
      await compareStored(rig.redis, rig.prefix, hooks),
    );
    const confirmed = confirmedIds();
    const keys = await rig.redis.keys(`${rig.prefix}approval:*`);
    const stored = new Set(keys.map((k) => k.slice(`${rig.prefix}approval:`.length)));
    const lost = [...confirmed].filter((id) => !stored.has(id));
    // One of the confirmed requests is approved after the restart: the store works again end to end.
    const button = approveButton(rig);
    let approvedAfterRestart = false;
    if (button) {
      await rig.click(fes[0]!, { ...button, userId: "U0APPROVER0" });
      await until(
        () => rig.sim.requests.count("POST", /\/qemu\/103\/status\/stop$/) > 0,
        20_000,
        "a stop",
      ).then(
        () => {
          approvedAfterRestart = true;
        },
        () => undefined,
      );
    }
    const answers: Record<string, number> = {};
    for (const p of rig.fake.state.responsePosts) {
      const text = String((p.body as { text?: unknown }).text ?? "")
        .replace(/Request \S+/, "Request …")
        .slice(0, 60);
      answers[text] = (answers[text] ?? 0) + 1;
    }
    const approvals = {
      asked: 30,
      answers,
      cardsPosted: rig.fake.state.messages.filter((m) => buttonsOf(m.blocks).length > 0).length,
      redisDownMs: downMs,
      confirmed: confirmed.size,
      refusedWhileDown: 30 - confirmed.size,
      lostApprovals: lost.length,
      approvedAfterRestart,
    };
    return { approvals, alerts: { redisDownMs: downMs, ...alerts } };
  } finally {
    await rig.stop();
    await redis.stop();
  }
}

type AlertFigures = ReturnType<typeof alertFigures> & { redisDownMs?: number };

/** What the webhook senders saw, next to what the store holds. */
function alertFigures(
  records: SendRecord[],
  hooks: AlertWebhook[],
  stored: Awaited<ReturnType<typeof compareStored>>,
) {
  const statuses: Record<string, number> = {};
  for (const r of records) for (const s of r.statuses) statuses[s] = (statuses[s] ?? 0) + 1;
  return {
    webhooks: hooks.length,
    alertsSent: hooks.reduce((n, h) => n + h.fingerprints.length, 0),
    answeredOkFirstTry: records.filter((r) => r.delivered && r.statuses.length === 1).length,
    storedAfterRetry: records.filter((r) => r.delivered && r.statuses.length > 1).length,
    neverAnsweredOk: records.filter((r) => !r.delivered).length,
    answers: statuses,
    ...stored,
  };
}

async function proxmoxAndSlackFaults(): Promise<Record<string, unknown>> {
  const rig = await Rig.start({
    frontEnds: 1,
    workers: 2,
    redisUrl: REDIS_URL,
    taskDurations: DURATIONS,
    proxmoxRequestTimeoutMs: 2000,
    slackOutbox: { backoff: "250ms", maxBackoff: "2s" },
  });
  try {
    const faults = rig.sim.faults;
    faults.failNext({
      method: "POST",
      path: /\/download-url$/,
      status: 500,
      message: "simulated 500",
      times: 3,
    });
    faults.failNext({
      method: "POST",
      path: /\/qemu$/,
      status: 500,
      message: "can't lock file '/var/lock/qemu-server/lock-9100.conf' - got timeout",
      times: 2,
    });
    faults.addLatency({ method: "GET", path: /\/tasks\/.*\/status$/, ms: 3000, times: 3 });
    faults.dropConnection({ method: "GET", path: /\/storage\/[^/]+\/content$/, times: 2, when: "before" });
    faults.dropConnection({ method: "POST", path: /\/template$/, times: 2, when: "after" });
    faults.failNextTask({ type: "qmcreate", exitstatus: "simulated storage failure", times: 1 });
    let since = Date.now();
    await startBuilds(rig, "fault", 12);
    await until(async () => (await jobOutcomes(rig, since)).length >= 12, 150_000, "12 job outcomes").catch(
      () => undefined,
    );
    await sleep(2000);
    const proxmox = buildCheck(rig, "fault", await jobOutcomes(rig, since), 12);
    faults.clear();

    const storm = [
      ...Array.from({ length: 8 }, () => ({ status: 429 as const, retryAfter: 1 })),
      ...Array.from({ length: 8 }, () => ({ status: 503 })),
    ];
    rig.fake.failNext("chat.postMessage", ...storm);
    rig.fake.failNext("chat.update", ...storm, ...storm);
    since = Date.now();
    await startBuilds(rig, "storm", 10);
    await until(async () => (await jobOutcomes(rig, since)).length >= 10, 150_000, "10 job outcomes").catch(
      () => undefined,
    );
    await sleep(3000);
    const posted = rig.calls.filter((c) => c.at >= since && c.method === "chat.postMessage" && c.ok);
    const cards = posted.map((p) => p.resultTs!);
    const lastEditOk = cards.filter((ts) => {
      const edits = rig.calls.filter((c) => c.method === "chat.update" && c.ts === ts);
      return edits.length > 0 && edits.at(-1)!.ok === true;
    });
    const failedCalls = rig.calls.filter((c) => c.at >= since && c.ok === false).length;
    return {
      proxmoxFaults: proxmox,
      slackStorm: {
        jobs: 10,
        outcomes: (await jobOutcomes(rig, since)).length,
        failedSlackCalls: failedCalls,
        cardsPosted: cards.length,
        cardsWithFinalEditDelivered: lastEditOk.length,
      },
    };
  } finally {
    await rig.stop();
  }
}

async function main() {
  const started = Date.now();
  if (process.env.CHAOS_ONLY === "redisRestart") {
    const only = await redisRestart();
    console.log(JSON.stringify({ redisRestart: only.approvals, alertWebhooks: only.alerts }));
    return;
  }
  const kills = await workerKills();
  const restart = await redisRestart();
  const faults = await proxmoxAndSlackFaults();
  const p = faults.proxmoxFaults as ReturnType<typeof buildCheck>;
  const s = faults.slackStorm as { jobs: number; cardsPosted: number; cardsWithFinalEditDelivered: number };
  const k = kills as ReturnType<typeof buildCheck>;
  const holds = {
    noLostJobs: k.lostJobs === 0,
    noDuplicatedCreates: k.duplicatedCreates === 0 && p.duplicatedCreates === 0,
    noOrphanVms: k.orphanVms === 0 && p.orphanVms === 0,
    noLostApprovals: restart.approvals.lostApprovals === 0 && restart.approvals.approvedAfterRestart === true,
    noLostAlerts:
      restart.alerts.lostGroups === 0 &&
      restart.alerts.lostAlerts === 0 &&
      restart.alerts.neverAnsweredOk === 0,
    proxmoxFaultsEndCleanly: p.lostJobs === 0 && p.failedWithoutReason === 0,
    slackStormDelivered: s.cardsPosted === s.jobs && s.cardsWithFinalEditDelivered === s.jobs,
  };
  console.log(
    JSON.stringify({
      bench: "chaos",
      wallMs: Date.now() - started,
      workerKills: kills,
      redisRestart: restart.approvals,
      alertWebhooks: restart.alerts,
      ...faults,
      holds,
    }),
  );
  if (!Object.values(holds).every(Boolean)) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
