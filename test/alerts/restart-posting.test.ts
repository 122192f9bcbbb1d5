/**
 * A group's message is posted once per conversation, through the durable outbox and its post key, even
 * when the bot dies between storing the group and recording the message: the dirty mark makes the next
 * process render the group, and the post key makes that render edit the message Slack already has
 * instead of posting a second one. Real Redis, the Slack adapter, the fake Slack.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { createSlackAdapter, type SlackAdapter } from "../../src/adapters/slack/adapter.js";
import { slackConfigSchema } from "../../src/adapters/slack/config.js";
import { RedisAlertStore } from "../../src/adapters/store/alert-store.js";
import { redisDelivery } from "../../src/adapters/store/outbox/redis-outbox.js";
import { deleteKeysWithPrefix } from "../../src/adapters/store/redis.js";
import { AlertMessenger } from "../../src/services/alerts/messages.js";
import type { AlertStore } from "../../src/services/alerts/ports.js";
import { DEFAULT_ALERT_LABELS } from "../../src/services/alerts/render.js";
import { silentLog } from "../../src/services/log.js";
import { FakeSlack } from "../fakes/slack/index.js";
import { REDIS_URL } from "../outbox/helpers.js";
import { BOT_TOKEN, SIGNING_SECRET } from "../slack/helpers.js";
import { alertOf, batchOf, routedTo, T0 } from "./batches.js";

const alerts = { platform: "slack" as const, channelId: "CALERTS" };
const route = routedTo("infra", alerts);

let fake: FakeSlack;
let redis: Redis;
let prefix: string;
const adapters: SlackAdapter[] = [];

afterEach(async () => {
  for (const a of adapters.splice(0)) await a.stop();
  await fake?.close();
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

async function setUp() {
  fake = await FakeSlack.start({ botToken: BOT_TOKEN });
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  prefix = `test:alert-restart:${randomUUID()}:`;
}

/** One bot process: its own Slack adapter and outbox on the shared Redis, and a messenger over `store`. */
function botProcess(store: AlertStore) {
  const config = slackConfigSchema.parse({
    mode: "http",
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    apiUrl: fake.apiUrl,
  });
  const slack = createSlackAdapter({
    config,
    log: silentLog,
    clock: { now: () => Date.now() },
    delivery: redisDelivery(redis, {
      prefix,
      log: silentLog,
      retry: { maxAttempts: 3, backoffMs: 20, maxRetryAfterMs: 10_000 },
      leaseMs: 1000,
      pollMs: 100,
    }),
  });
  adapters.push(slack);
  const messenger = new AlertMessenger({
    store,
    notifiers: { slack },
    clock: { now: () => T0 + 60_000 },
    log: silentLog,
    labels: DEFAULT_ALERT_LABELS,
  });
  return { slack, messenger };
}

/** Top-level messages in the channel that belong to group `id`. */
const messagesOf = (id: string) =>
  fake.state.messages.filter(
    (m) => m.channel === alerts.channelId && !m.threadTs && JSON.stringify(m.blocks).includes(`group ${id}`),
  );

describe("an alert group's message across a restart", () => {
  it("is posted by the next process when the first died after storing the group", async () => {
    await setUp();
    const store = new RedisAlertStore(redis, { prefix, retentionMs: 86_400_000 });
    // The first process stored the group (webhook answered 2xx) and died before rendering it.
    const { group } = await store.ingest(batchOf([alertOf("pve1"), alertOf("pve2")]), route);
    expect(await store.dirty(10)).toEqual([group.id]);

    const next = botProcess(store);
    expect(await next.messenger.sweep()).toBe(1);
    const [message] = messagesOf(group.id);
    expect(messagesOf(group.id)).toHaveLength(1);
    expect(JSON.stringify(message!.blocks)).toContain("2 firing, 0 resolved");
    expect((await store.get(group.id))!.messages[0]!.message).toMatchObject({ messageId: message!.ts });
    expect(await store.dirty(10)).toEqual([]);
  });

  it("edits the message Slack already took when the first process died before recording it", async () => {
    await setUp();
    const store = new RedisAlertStore(redis, { prefix, retentionMs: 86_400_000 });
    // The first process: Slack takes the post, then the process dies before the group records its ref.
    const dying: AlertStore = Object.assign(Object.create(store) as RedisAlertStore, {
      attachMessage: async () => {
        throw new Error("process killed before the message ref was recorded");
      },
    });
    const first = botProcess(dying);
    const stored = await store.ingest(batchOf([alertOf("pve1")]), route);
    await first.messenger.onChanged(stored);
    expect(messagesOf(stored.group.id)).toHaveLength(1);
    const posted = messagesOf(stored.group.id)[0]!;
    expect((await store.get(stored.group.id))!.messages[0]!.message).toBeUndefined();
    await first.slack.stop();

    // More alerts arrive while no process renders; then the next process sweeps.
    await store.ingest(batchOf([alertOf("pve1"), alertOf("pve2"), alertOf("pve3")]), route);
    const next = botProcess(store);
    expect(await next.messenger.sweep()).toBe(1);

    const now = messagesOf(stored.group.id);
    expect(now).toHaveLength(1);
    expect(now[0]!.ts).toBe(posted.ts);
    expect(JSON.stringify(now[0]!.blocks)).toContain("3 firing, 0 resolved");
    expect(fake.calls("chat.postMessage").filter((c) => c.status === 200 && !c.args.thread_ts)).toHaveLength(
      1,
    );
    expect((await store.get(stored.group.id))!.messages[0]!.message).toMatchObject({ messageId: posted.ts });
    expect(await store.dirty(10)).toEqual([]);
  });
});
