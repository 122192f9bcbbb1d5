/**
 * A template-build rig on real parts: the PVE simulator and the proxmox-api client, the bundled catalog
 * with the checksum mirror and the HTTP checksum source, Redis reservations and semaphores under a
 * unique prefix, and a real BullMQ queue and worker (test/jobs/harness).
 */
import { Redis } from "ioredis";
import type { RedisApprovalStore } from "../../../src/adapters/store/approval-store.js";
import { createCommandCore, createCommandServices } from "../../../src/bot/compose/dispatcher.js";
import { jobDefinitions } from "../../../src/bot/compose/jobs.js";
import { createStores } from "../../../src/bot/compose/stores.js";
import { createTemplateServices } from "../../../src/bot/compose/templates.js";
import type { CommandContext, CommandServices } from "../../../src/commands/definition.js";
import { ALL_COMMANDS } from "../../../src/commands/index.js";
import type { JobDefinition } from "../../../src/services/jobs/definition.js";
import type { NotifierByPlatform } from "../../../src/services/ports.js";
import { TaskFollower } from "../../../src/services/tasks/follow-task.js";
import {
  type TemplatesConfigInput,
  templatesConfigSchema,
} from "../../../src/services/templates/build/config.js";
import { type BuildFlags, planBuild } from "../../../src/services/templates/build/plan.js";
import type { TemplateServices } from "../../../src/services/templates/build/stages.js";
import { ImageCatalog } from "../../../src/services/templates/catalog/catalog.js";
import type { Actor } from "../../../src/services/vocabulary/identity.js";
import { type ChecksumMirror, startChecksumMirror } from "../../../src/sim/mirror/checksum-mirror.js";
import { type Harness, harness } from "../../jobs/harness.js";
import { captureLog, REDIS_URL, testPrefix } from "../../jobs/support.js";
import { type SimClient, startSimClient } from "../../proxmox/helpers/sim.js";
import { simPacedSleep } from "../../proxmox/helpers/sim-paced-sleep.js";

export const KEY =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ops@example";

export interface Rig {
  sim: SimClient;
  mirror: ChecksumMirror;
  deps: TemplateServices;
  jobs: Harness;
  redis: Redis;
  prefix: string;
  approvalStore: RedisApprovalStore;
  definitions: JobDefinition[];
  plan(distro: string, flags?: BuildFlags): ReturnType<typeof planBuild>;
  /** Plans, queues and waits for one build; returns the final job info. */
  build(
    distro: string,
    flags?: BuildFlags,
  ): Promise<Awaited<ReturnType<Harness["queue"]["waitUntilFinished"]>>>;
  /** A command context whose services carry the rig's queue and template services. */
  context(actor?: Actor): CommandContext;
  close(): Promise<void>;
}

export const alice: Actor = { platform: "console", id: "alice", name: "Alice", groups: [] };

export async function startRig(
  options: {
    /** Simulator options; `rootToken` gives the build a root token asked for by name. */
    sim?: Parameters<typeof startSimClient>[0];
    config?: TemplatesConfigInput;
    worker?: boolean;
    extraJobs?: (deps: TemplateServices) => JobDefinition[];
    /** Give the matrix job the real approval path (Redis store, cards to the rig's chat). */
    approvals?: boolean;
    /** Tries the queue gives a job; default 1 so a failure is final at once. */
    attempts?: number;
    /** The queue's pause before a retry; default 50 ms. */
    backoffMs?: number;
    /** In-stage tries of a transiently failed PVE task; default 3, 20 ms apart. */
    taskRetry?: TemplateServices["taskRetry"];
  } = {},
): Promise<Rig> {
  const sim = await startSimClient({ defaultTaskDurationMs: 20, ...options.sim });
  const catalog = ImageCatalog.load();
  const mirror = await startChecksumMirror({ catalog });
  const log = captureLog();
  const keys = testPrefix();
  const redis = new Redis(REDIS_URL);
  const clock = { now: () => Date.now() };
  const config = templatesConfigSchema.parse({
    sshKeys: { ops: KEY },
    defaults: { sshKeys: ["ops"] },
    ...options.config,
  });
  const proxmox = sim.client;
  const stores = createStores(redis, { prefix: keys.prefix, semaphorePollMs: 20 });
  const deps = createTemplateServices({
    proxmox,
    catalog,
    mirrors: mirror.mirrors,
    stores,
    config,
    clock,
    log,
    checksumTimeoutMs: 5000,
    checksumCacheTtlMs: 0,
    // Polls land at the simulated task ends, not at the follower's first wall-clock guess.
    follower: new TaskFollower(proxmox, clock, simPacedSleep(sim.sim)),
    tuning: { leaseMs: 5000, taskRetry: options.taskRetry ?? { attempts: 3, delayMs: 20 }, settleMs: 50 },
  });
  // The harness makes the recording chat; the matrix job looks its notifier up when it runs.
  const notifiers: NotifierByPlatform = {};
  const core = options.approvals
    ? createCommandCore({
        commands: ALL_COMMANDS,
        stores,
        notifiers,
        approvals: () => ({ required: 1, expiresInMs: 15 * 60_000, approverSubjects: [] }),
        clock,
        log,
      })
    : undefined;
  const definitions = [
    ...jobDefinitions({
      templates: deps,
      notifiers,
      approvals: core?.approvalRequester,
      matrixEditIntervalMs: 50,
    }),
    ...(options.extraJobs?.(deps) ?? []),
  ];
  const jobs = harness(definitions, {
    attempts: options.attempts ?? 1,
    backoffMs: options.backoffMs ?? 50,
    keyPrefix: keys.prefix,
  });
  notifiers.console = jobs.chat;
  // A job's approval ask resolves its command's target with the command services, as in the bot.
  if (core) {
    createCommandServices({
      core,
      stores,
      jobs: jobs.queue,
      rbac: { bindings: [{ subjects: ["console:user:alice"], role: "operator" }], channels: {} },
      version: "test",
      proxmox,
      templates: deps,
    });
  }
  if (options.worker !== false) jobs.startWorker({ concurrency: 8 });
  const plan = (distro: string, flags: BuildFlags = {}) =>
    planBuild(deps, { distro, flags, requestedBy: "console:alice (Alice)" });
  return {
    sim,
    mirror,
    deps,
    jobs,
    redis,
    prefix: keys.prefix,
    approvalStore: stores.approvals,
    definitions,
    plan,
    async build(distro, flags = {}) {
      const data = await plan(distro, flags);
      const info = await jobs.start("template.build", data as unknown as Record<string, unknown>);
      return jobs.queue.waitUntilFinished(info.id, 30_000);
    },
    context(actor = alice) {
      const services = {
        jobs: jobs.queue,
        proxmox,
        templates: deps,
      } as unknown as CommandServices;
      return {
        actor,
        role: "admin",
        conversation: { platform: "console", channelId: "ops" },
        requestId: "req-test",
        clock,
        log,
        services,
      };
    },
    async close() {
      await jobs.close();
      await core?.auditRetry.close();
      await mirror.close();
      await sim.close();
      await keys.cleanup();
      await redis.quit();
    },
  };
}

/** VMs the simulator holds in the template range, with their template flag. */
export function vmsInRange(
  rig: Rig,
  min = 9000,
  max = 9999,
): { vmid: number; template: boolean; name: string }[] {
  return [...rig.sim.sim.state.vms.values()]
    .filter((vm) => vm.vmid >= min && vm.vmid <= max)
    .map((vm) => ({
      vmid: vm.vmid,
      template: Number(vm.config.template ?? 0) === 1,
      name: String(vm.config.name ?? ""),
    }))
    .sort((a, b) => a.vmid - b.vmid);
}

/** Reservations (other than "someone-else"'s) and held semaphore slots left under the rig's prefix. */
export async function leftovers(r: Rig): Promise<string[]> {
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, found] = await r.redis.scan(cursor, "MATCH", `${r.prefix}vmid:*`, "COUNT", 500);
    for (const key of found) if ((await r.redis.get(key)) !== "someone-else") keys.push(key);
    cursor = next;
  } while (cursor !== "0");
  for (const key of (await r.redis.keys(`${r.prefix}sem:*`)) ?? []) {
    if ((await r.redis.zcard(key)) > 0) keys.push(key);
  }
  return keys;
}
