/** Maintenance windows: next runs, exactly-once openings across processes, announcements, removal. */
import { Queue } from "bullmq";
import { afterEach, describe, expect, it } from "vitest";
import { bullPrefixFor, connectionFromUrl } from "../../src/adapters/queue/connection.js";
import { startUpdateWindows, UPDATE_WINDOWS_QUEUE } from "../../src/adapters/queue/update-windows.js";
import { updateWindows } from "../../src/commands/update-windows.js";
import { SCHEDULER_ID } from "../../src/services/approvals/scheduler.js";
import type { StartJobRequest } from "../../src/services/jobs/model.js";
import type { JobQueue } from "../../src/services/ports.js";
import { updatesConfigSchema } from "../../src/services/updates/config.js";
import { nextRun } from "../../src/services/updates/windows.js";
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
    approvals: {
      request: async (ask) => {
        asks.push(ask);
        return { approvalId: `a${asks.length}` };
      },
    },
    clock: { now: () => Date.now() },
    log: captureLog(),
  });
  closers.push(() => handle.close());
  return { handle, chat };
}
const asks: Array<{ command: string; args: Record<string, unknown>; requester: { id: string } }> = [];

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

  it("asks for approval when the policy is ask, and announces once before the window", async () => {
    u = await startUpdateSim();
    addGuest(u.t, { vmid: 951, name: "w2" });
    const keys = testPrefix();
    closers.push(keys.cleanup);
    const prefix = bullPrefixFor(keys.prefix);
    const jobs = recordingJobs();
    const second = new Date(Date.now() + 4000).getUTCSeconds() % 60;
    const window = {
      name: "ask-me",
      cron: `${second} * * * * *`,
      timezone: "UTC",
      target: "951",
      channel: "console:ops",
      policy: "ask",
      announce: "2s",
      options: { batch: 3 },
    };
    const a = await windowsProcess(prefix, [window], jobs);
    const b = await windowsProcess(prefix, [window], jobs, a.chat);
    void b;
    const opens = nextRun({ cron: window.cron, timezone: "UTC" }, Date.now());
    await expect
      .poll(() => asks.filter((x) => x.command === "update.apply").length, { timeout: 8000 })
      .toBe(1);
    expect(asks.at(-1)).toMatchObject({
      args: { target: ["951"], batch: 3, canary: 1 },
      requester: { id: SCHEDULER_ID },
    });
    expect(jobs.started).toEqual([]);
    const announcements = a.chat.posts.filter((p) =>
      p.reply.title?.startsWith("Maintenance window ask-me opens"),
    );
    expect(announcements).toHaveLength(1);
    expect(announcements[0]!.at).toBeLessThan(opens);
    expect(announcements[0]!.reply.text).toMatch(
      /1 VM match now, 0 skipped\. An approval request will be posted/,
    );
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
