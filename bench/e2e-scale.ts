/**
 * `npm run e2e:scale`: 2 front-ends (`run --no-worker`) and 3 workers (`worker`) as separate processes of
 * the real CLI on one Redis (unique prefix), with Slack faked and Proxmox simulated. Three claims:
 *
 * 1. 100 concurrent approve clicks on one `vm stop` request, spread over both front-ends: the VM gets one
 *    stop request, and exactly one click is answered as the deciding approval.
 * 2. 60 template builds (per-node limit 2, 4 job slots per worker, so the limit can only hold if it is
 *    global) spread over the workers: all finish, no node ever runs more than 2 at once.
 * 3. Every job card reaches its final state in Slack (success icon, no Cancel button), every job ran on a
 *    worker process and every worker ran some. The worker that runs a job asks for its card's edits; the
 *    durable outbox sends them from whichever process holds the channel's lane (one lane per channel, so
 *    the card edits keep their order), so the processes that sent edits are printed, not checked.
 *
 * Prints one JSON object; exits 1 when a claim does not hold. Needs Redis at REDIS_URL.
 */
import { ImageCatalog } from "../src/services/templates/catalog/catalog.js";
import {
  approveButton,
  auditSince,
  buildConcurrency,
  cardCompleted,
  cardEditors,
  distroKeys,
  jobOutcomes,
  jobRunners,
} from "./scale/measure.js";
import { Rig, until } from "./scale/rig.js";

const BUILDS = Number(process.env.SCALE_BUILDS ?? 60);
const CLICKS = 100;
const PER_NODE = 2;
const NODES = ["pve1", "pve2", "pve3"];

async function approvals(rig: Rig) {
  const [fe1, fe2] = rig.frontEnds;
  const startedAt = Date.now();
  await rig.slash("vm stop edge01", fe1!);
  await until(() => approveButton(rig) !== undefined, 20_000, "the approval card");
  const button = approveButton(rig)!;
  const clicks = await Promise.all(
    Array.from({ length: CLICKS }, (_, i) =>
      rig.click(i % 2 === 0 ? fe1! : fe2!, { ...button, userId: `U0APPROVER${i}` }),
    ),
  );
  const stopPath = /^\/nodes\/pve3\/qemu\/103\/status\/stop$/;
  await until(() => rig.sim.requests.count("POST", stopPath) > 0, 30_000, "the stop request");
  // Give any second run time to show itself before counting.
  await new Promise((r) => setTimeout(r, 3000));
  const records = (await auditSince(rig, startedAt)).filter((r) => r.command === "vm.stop");
  const outcomes: Record<string, number> = {};
  for (const r of records) outcomes[`${r.kind}:${r.outcome}`] = (outcomes[`${r.kind}:${r.outcome}`] ?? 0) + 1;
  return {
    clicks: CLICKS,
    acked: clicks.filter((s) => s === 200).length,
    stopRequests: rig.sim.requests.count("POST", stopPath),
    clickToStopMs: Date.now() - startedAt - 3000,
    auditOutcomes: outcomes,
  };
}

async function builds(rig: Rig) {
  const keys = ImageCatalog.load()
    .all()
    .filter((e) => e.arch === "x86_64")
    .map((e) => e.key);
  const distros = distroKeys(keys, BUILDS);
  const since = Date.now();
  const concurrency = buildConcurrency(rig);
  const fes = rig.frontEnds;
  const statuses = await Promise.all(
    distros.map((distro, i) =>
      rig.slash(
        `template build ${distro} --node ${NODES[i % NODES.length]} --force --name e2e-${i}`,
        fes[i % fes.length]!,
      ),
    ),
  );
  await until(
    async () => (await jobOutcomes(rig, since)).length >= BUILDS,
    240_000,
    `${BUILDS} job outcomes`,
  );
  const wallMs = Date.now() - since;
  concurrency.stop();
  const outcomes = await jobOutcomes(rig, since);
  const editors = cardEditors(rig, since);
  const runners = [
    ...(
      await jobRunners(
        rig,
        outcomes.map((o) => o.jobId ?? ""),
      )
    ).values(),
  ];
  const workerNames = rig.workers.map((w) => w.name);
  const cards = [...editors.values()];
  const sentBy = (proc: string) => cards.filter((s) => s.has(proc)).length;
  return {
    builds: BUILDS,
    acked: statuses.filter((s) => s === 200).length,
    completed: outcomes.filter((o) => o.outcome === "completed").length,
    failed: outcomes.filter((o) => o.outcome !== "completed").map((o) => `${o.jobId}: ${o.detail}`),
    wallMs,
    // Builds per node over the per-node slots, each the sum of its simulated task durations.
    lowerBoundMs: Math.ceil(BUILDS / NODES.length / PER_NODE) * (300 + 400 + 100 + 200),
    perNodeLimit: PER_NODE,
    peakBuildsPerNode: concurrency.peak(),
    jobCards: editors.size,
    cardsCompletedInSlack: [...editors.keys()].filter((ts) => cardCompleted(rig, ts)).length,
    jobsRanByAWorker: runners.filter((r) => workerNames.includes(r)).length,
    jobsPerWorker: Object.fromEntries(workerNames.map((w) => [w, runners.filter((r) => r === w).length])),
    // Who sent the edits (the lane holders): informational, the outbox decides it.
    cardsWithEditsSentBy: Object.fromEntries(rig.procs.map((p) => [p.name, sentBy(p.name)])),
  };
}

async function main() {
  const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  const startedAt = Date.now();
  const rig = await Rig.start({
    frontEnds: 2,
    workers: 3,
    redisUrl,
    perNode: PER_NODE,
    workerConcurrency: 4,
    approvers: CLICKS,
    taskDurations: { download: 300, qmcreate: 400, resize: 100, qmtemplate: 200 },
  });
  const startMs = Date.now() - startedAt;
  try {
    const approval = await approvals(rig);
    const build = await builds(rig);
    const peaks = Object.values(build.peakBuildsPerNode);
    const holds = {
      approvalRanOnce: approval.stopRequests === 1 && approval.auditOutcomes["approval:approved"] === 1,
      allBuildsFinished: build.completed === BUILDS,
      perNodeLimitHeld: peaks.length > 0 && Math.max(...peaks) <= PER_NODE,
      everyCardCompletedInSlack: build.jobCards === BUILDS && build.cardsCompletedInSlack === BUILDS,
      jobsRanByWorkers: build.jobsRanByAWorker === BUILDS,
      everyWorkerRanJobs: Object.values(build.jobsPerWorker).every((n) => n > 0),
    };
    console.log(
      JSON.stringify({
        bench: "e2e-scale",
        processes: { frontEnds: 2, workers: 3 },
        startMs,
        approval,
        build,
        holds,
      }),
    );
    if (!Object.values(holds).every(Boolean)) process.exitCode = 1;
  } finally {
    await rig.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
