/** Maintenance windows: next runs, exactly-once openings across processes, announcements, removal. */
import { Queue } from "bullmq";
import { afterEach, describe, expect, it } from "vitest";
import { bullPrefixFor, connectionFromUrl } from "../../src/adapters/queue/connection.js";
import { startUpdateWindows, UPDATE_WINDOWS_QUEUE } from "../../src/adapters/queue/update-windows.js";
import { deleteKeysWithPrefix } from "../../src/adapters/store/redis.js";
import { jobsSettings, startWorker } from "../../src/bot/compose/jobs.js";
import { ALL_COMMANDS } from "../../src/commands/index.js";
import { updateWindows } from "../../src/commands/update-windows.js";
import { SCHEDULER_ID } from "../../src/services/approvals/scheduler.js";
import type { JobDefinition } from "../../src/services/jobs/definition.js";
import type { StartJobRequest } from "../../src/services/jobs/model.js";
import type { JobQueue } from "../../src/services/ports.js";
import { createUpdateApplyJob } from "../../src/services/updates/apply-job.js";
import { updatesConfigSchema } from "../../src/services/updates/config.js";
import { nextRun } from "../../src/services/updates/windows.js";
import type { ConversationRef, MessageRef } from "../../src/services/vocabulary/identity.js";
import type { Reply } from "../../src/services/vocabulary/reply.js";
import {
  CONVERSATION,
  consoleActor,
  createHarness,
  RecordingNotifier as HarnessNotifier,
  silentLog,
} from "../helpers/dispatcher-harness.js";
import { captureLog, REDIS_URL, RecordingNotifier, testPrefix } from "../jobs/support.js";
import { addGuest, startUpdateSim, type UpdateSim, updateContext } from "./helpers.js";

let u: UpdateSim | undefined;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await u?.close();
  u = undefined;
});

function recordingJobs(): JobQueue & { started: StartJobRequest[] } {
  const started: StartJobRequest[] = [];
  return {
    started,
    async start(request) {
      started.push(request);
      return { id: String(started.length) } as never;
    },
    get: async () => undefined,
    list: async () => [],
    cancel: async () => "not-found",
    waitUntilFinished: async () => undefined,
  };
}

async function windowsProcess(
  prefix: string,
  windows: unknown[],
  jobs: JobQueue,
  chat = new RecordingNotifier(),
) {
  const config = updatesConfigSchema.parse({ windows, pollInterval: 5 });
  const handle = await startUpdateWindows({
    connection: connectionFromUrl(REDIS_URL),
    prefix,
    windows: config.windows,
    updates: { ...u!.deps, config },
    jobs,
    notifiers: { console: chat },
    clock: { now: () => Date.now() },
    log: captureLog(),
  });
  closers.push(() => handle.close());
  return { handle, chat };
}
/** The dispatcher harness's chat, also noting when each message was posted (the announcement's timing). */
class CardNotifier extends HarnessNotifier {
  readonly posted: Array<{ at: number; reply: Reply }> = [];
  override async post(conversation: ConversationRef, reply: Reply): Promise<MessageRef> {
    this.posted.push({ at: Date.now(), reply });
    return super.post(conversation, reply);
  }
}

describe("maintenance windows", () => {
  it("lists each window with its next run in its time zone", async () => {
    u = await startUpdateSim({
      windows: [
        {
          name: "web-weekly",
          cron: "0 3 * * 1",
          timezone: "Europe/Berlin",
          target: "tag:web",
          channel: "slack:C1",
          policy: "pre-approved",
        },
      ],
    });
    const ctx = { ...updateContext(u), clock: { now: () => Date.UTC(2026, 11, 4, 16, 0) } };
    ctx.services.updates = { ...u.deps, clock: ctx.clock };
    const reply = await updateWindows.run(ctx, {});
    expect(reply.table!.rows).toEqual([
      [
        "web-weekly",
        "0 3 * * 1 (Europe/Berlin)",
        "2026-12-07 02:00 UTC",
        "tag:web",
        "pre-approved",
        "1h 00m before",
      ],
    ]);
  });

  it("opens each tick exactly once across two processes, as the same rollout update apply starts", async () => {
    u = await startUpdateSim();
    addGuest(u.t, { vmid: 950, name: "w1" });
    const keys = testPrefix();
    closers.push(keys.cleanup);
    const prefix = bullPrefixFor(keys.prefix);
    const jobs = recordingJobs();
    const window = {
      name: "every-second",
      cron: "* * * * * *",
      target: "950",
      channel: "console:ops",
      policy: "pre-approved",
      announce: 0,
    };
    await windowsProcess(prefix, [window], jobs);
    await windowsProcess(prefix, [window], jobs);
    await new Promise((r) => setTimeout(r, 3500));
    for (const close of closers.splice(1).reverse()) await close();
    const ids = jobs.started.map((s) => s.requestId);
    expect(ids.length).toBeGreaterThanOrEqual(2);
    expect(new Set(ids).size).toBe(ids.length);
    expect(jobs.started[0]).toMatchObject({
      type: "update.apply",
      requestedBy: { id: SCHEDULER_ID, name: "Maintenance window every-second" },
      data: { vms: [{ vmid: 950, name: "w1", node: "pve1", tags: [] }], options: { canary: 1, batch: 5 } },
    });
  });

  it("asks through the real approval requester when the policy is ask; a second person approves and the rollout runs", async () => {
    u = await startUpdateSim();
    addGuest(u.t, { vmid: 951, name: "w2", tags: ["ask"] });
    addGuest(u.t, { vmid: 952, name: "w3", tags: ["ask"], node: "pve2" });
    addGuest(u.t, { vmid: 953, name: "w4", tags: ["ask"], status: "stopped" });
    // The bot's own wiring: dispatcher, approval requester, job queue and a worker running update.apply.
    const chat = new CardNotifier();
    const rollout = createUpdateApplyJob({
      updates: u.deps,
      notifiers: { console: chat },
      editIntervalMs: 10,
    });
    const h = await createHarness({
      commands: [...ALL_COMMANDS],
      rbac: {
        bindings: [
          { role: "operator", subjects: ["console:user:alice"] },
          { role: "approver", subjects: ["console:user:bob"] },
        ],
        channels: {},
      },
      services: { proxmox: u.t.client, updates: u.deps },
      jobDefinitions: [rollout as JobDefinition],
      notifier: chat,
    });
    closers.push(async () => {
      await deleteKeysWithPrefix(h.redis, h.prefix);
      await h.close();
    });
    const settings = jobsSettings({
      redisUrl: REDIS_URL,
      keyPrefix: h.prefix,
      definitions: [rollout as JobDefinition],
      notifiers: { console: chat },
      clock: { now: () => Date.now() },
      log: silentLog,
    });
    const worker = startWorker(settings, { audit: h.audit, concurrency: 1, progressInterval: 50 });
    closers.push(() => worker.close());
    const jobs = h.core.services!.jobs;

    const second = new Date(Date.now() + 4000).getUTCSeconds() % 60;
    const window = {
      name: "ask-me",
      cron: `${second} * * * * *`,
      timezone: "UTC",
      target: "tag:ask",
      channel: "console:ops",
      policy: "ask",
      announce: "2s",
      options: { batch: 3, canary: 0 },
    };
    // Two bot processes schedule the same window: one announcement, one approval request.
    const windowsConfig = updatesConfigSchema.parse({ windows: [window], pollInterval: 5 });
    for (let i = 0; i < 2; i++) {
      const handle = await startUpdateWindows({
        connection: connectionFromUrl(REDIS_URL),
        prefix: settings.prefix,
        windows: windowsConfig.windows,
        updates: { ...u.deps, config: windowsConfig },
        jobs,
        notifiers: { console: chat },
        approvals: h.core.approvalRequester,
        clock: { now: () => Date.now() },
        log: captureLog(),
      });
      closers.push(() => handle.close());
    }
    const opens = nextRun({ cron: window.cron, timezone: "UTC" }, Date.now());
    await expect.poll(() => h.approvals.listPending().then((p) => p.length), { timeout: 8000 }).toBe(1);
    const [request] = await h.approvals.listPending();
    expect(request).toMatchObject({
      command: "update.apply",
      args: { target: ["tag:ask"], batch: 3, canary: 0 },
      requester: { id: SCHEDULER_ID, name: "Maintenance window ask-me" },
    });
    // The requester ran update apply's resolve: the card shows the expansion, the approval binds it.
    expect(request!.target?.identity).toMatch(/^951:w2:ctime=\d+,952:w3:ctime=\d+$/);
    const card = chat.latest(request!.message!.messageId)!;
    expect(card.fields?.slice(0, 2)).toEqual([
      { label: "Target", value: "tag:ask" },
      { label: "VMs", value: "2 to update, 1 skipped" },
    ]);
    expect(card.table?.rows.map((r) => [r[0], r[3]])).toEqual([
      ["951 w2", "update"],
      ["952 w3", "update"],
      ["953 w4", "skip: stopped: the guest agent needs a running VM"],
    ]);
    const announcements = chat.posted.filter((p) =>
      p.reply.title?.startsWith("Maintenance window ask-me opens"),
    );
    expect(announcements).toHaveLength(1);
    expect(announcements[0]!.reply.text).toMatch(
      /2 VMs match now, 1 skipped\. An approval request will be posted/,
    );
    expect(announcements[0]!.at).toBeLessThan(opens);
    expect(u.t.sim.state.vms.get(951)!.snapshots).toEqual([]);

    const click = (who: string, requestId: string) =>
      h.dispatcher.onAction({
        actor: consoleActor(who),
        conversation: CONVERSATION,
        message: request!.message!,
        actionId: `approval:${request!.id}:approve`,
        requestId,
      });
    // An operator is not an approver; the request stays open.
    expect((await click("alice", "c-alice"))?.errorCode).toBe("E_FORBIDDEN");
    const started = await click("bob", "c-bob");
    expect(started?.errorCode, started?.text).toBeUndefined();
    expect(started?.jobId).toBeDefined();
    const done = await jobs.waitUntilFinished(started!.jobId!, 30_000);
    expect(done?.state).toBe("completed");
    // The scheduler asked; the rollout runs on the authority of the person who approved it.
    expect(done?.requestedBy).toMatchObject({ platform: "console", id: "bob" });
    for (const vmid of [951, 952]) {
      const vm = u.t.sim.state.vms.get(vmid)!;
      expect(vm.snapshots.map((x) => x.name)).toEqual([expect.stringMatching(/^chatops-pre-/)]);
      expect(vm.guest.packages.filter((p) => p.available)).toEqual([]);
    }
    expect(u.t.sim.state.vms.get(953)!.snapshots).toEqual([]);
    expect(await h.approvals.listPending()).toEqual([]);
  });

  it("removes the scheduler of a window taken out of the config", async () => {
    u = await startUpdateSim();
    const keys = testPrefix();
    closers.push(keys.cleanup);
    const prefix = bullPrefixFor(keys.prefix);
    const window = {
      name: "gone-soon",
      cron: "0 3 * * 1",
      target: "tag:web",
      channel: "console:ops",
      announce: 0,
    };
    const first = await windowsProcess(prefix, [window], recordingJobs());
    await first.handle.close();
    await windowsProcess(prefix, [], recordingJobs());
    const queue = new Queue(UPDATE_WINDOWS_QUEUE, { connection: connectionFromUrl(REDIS_URL), prefix });
    closers.push(() => queue.close());
    expect(await queue.getJobSchedulers()).toEqual([]);
  });
});
