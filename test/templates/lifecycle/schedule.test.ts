import { Queue } from "bullmq";
import { afterEach, describe, expect, it } from "vitest";
import { bullPrefixFor, connectionFromUrl } from "../../../src/adapters/queue/connection.js";
import {
  startTemplateSchedule,
  TEMPLATE_SCHEDULE_QUEUE,
} from "../../../src/adapters/queue/template-schedule.js";
import { REDIS_URL, testPrefix } from "../../jobs/support.js";
import { type Rig, startRig, vmsInRange } from "../build/rig.js";

let rig: Rig | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  await rig?.close();
  rig = undefined;
});

describe("scheduled refresh", () => {
  it("a BullMQ job scheduler runs template refresh --all and posts the summary to the configured channel", async () => {
    rig = await startRig();
    expect((await rig.build("alpine-3.22", { node: "pve2" }))?.state).toBe("completed");
    rig.mirror.publishBuild("alpine-3.22");
    const keys = testPrefix();
    const schedule = await startTemplateSchedule({
      connection: connectionFromUrl(REDIS_URL),
      prefix: bullPrefixFor(keys.prefix),
      repeat: { every: 400 },
      channel: "console:builds",
      jobs: rig.jobs.queue,
      log: rig.jobs.log,
    });
    cleanups.push(async () => {
      await schedule.close();
      await keys.cleanup();
    });
    const r = rig;
    const deadline = Date.now() + 20_000;
    let summary: string | undefined;
    while (Date.now() < deadline && !summary) {
      const post = r.jobs.chat.posts.find(
        (p) => p.conversation.channelId === "builds" && p.reply.table?.columns[0] === "Distro",
      );
      const latest = post ? (r.jobs.chat.last(post.message.messageId) ?? post.reply) : undefined;
      if (latest?.tone === "success" || latest?.tone === "warning") summary = latest.text;
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(summary).toBe("1 built, 0 up to date, 0 failed");
    const card = r.jobs.chat.posts.find(
      (p) => p.conversation.channelId === "builds" && p.reply.title === "Scheduled refresh of all templates",
    );
    expect(card).toBeDefined();
    expect(vmsInRange(r).filter((v) => v.name.startsWith("tpl-alpine-3.22") && v.template)).toHaveLength(2);
  });

  it("a config without a schedule removes the one registered before", async () => {
    rig = await startRig({ worker: false });
    const keys = testPrefix();
    cleanups.push(() => keys.cleanup());
    const settings = {
      connection: connectionFromUrl(REDIS_URL),
      prefix: bullPrefixFor(keys.prefix),
      channel: "console:builds",
      jobs: rig.jobs.queue,
      log: rig.jobs.log,
    };
    const queue = new Queue(TEMPLATE_SCHEDULE_QUEUE, {
      connection: settings.connection,
      prefix: settings.prefix,
    });
    cleanups.unshift(() => queue.close());
    await (await startTemplateSchedule({ ...settings, repeat: { pattern: "0 3 * * 1" } })).close();
    expect((await queue.getJobSchedulers()).map((s) => s.pattern)).toEqual(["0 3 * * 1"]);
    await (await startTemplateSchedule(settings)).close();
    expect(await queue.getJobSchedulers()).toEqual([]);
  });
});
