/**
 * The bot mounts a route per configured alert source on its public port, the chat side hears changes
 * through `bot.alerts.onChanged`, and /metrics counts the alerts.
 */
import { describe, expect, it } from "vitest";
import { deleteKeysWithPrefix } from "../../../src/adapters/store/redis.js";
import { configSchema } from "../../../src/bot/config/schema.js";
import { createBot } from "../../../src/bot/wiring.js";
import type { IngestResult } from "../../../src/services/alerts/ports.js";
import { silentLog } from "../../helpers/dispatcher-harness.js";
import { REDIS_URL, testRedis, uniquePrefix } from "../../store/helpers.js";
import { amPayload } from "./fixtures.js";
import { post, TOKEN } from "./harness.js";

describe("alert webhooks in the bot", () => {
  it("are served on the public port, stored, announced to listeners and counted", async () => {
    const prefix = uniquePrefix();
    const config = configSchema.parse({
      redis: { url: REDIS_URL, prefix },
      http: { host: "127.0.0.1", port: 0, adminPort: 0 },
      jobs: { runWorker: false },
      alerts: {
        sources: { am: { kind: "alertmanager", auth: { type: "bearer", token: TOKEN } } },
        routes: [{ name: "ops", matchers: ['severity="warning"'], to: ["console:ops"] }],
      },
    });
    const bot = await createBot({
      config,
      log: silentLog,
      clock: { now: () => Date.now() },
      version: "0.0.0-test",
      chat: [],
    });
    const heard: IngestResult[] = [];
    bot.alerts.onChanged((r) => {
      heard.push(r);
    });
    const redis = testRedis();
    try {
      await bot.start();
      const base = `http://127.0.0.1:${bot.port}`;
      const res = await post(base, "/webhooks/alertmanager", JSON.stringify(amPayload("w", 3)), {
        authorization: `Bearer ${TOKEN}`,
      });
      expect(res.status).toBe(200);
      await bot.alerts.ingest.settled();
      expect(heard).toHaveLength(1);
      expect(heard[0]?.group.messages).toEqual([
        { route: "ops", conversation: { platform: "console", channelId: "ops" } },
      ]);
      expect(bot.alerts.routing.policyFor("ops").role).toBe("operator");
      expect(await redis.exists(`${prefix}alerts:group:${heard[0]?.group.id}`)).toBe(1);
      const metrics = await (await fetch(`http://127.0.0.1:${bot.adminPort}/metrics`)).text();
      expect(metrics).toContain('alerts_stored_total{source="am"} 3');
      expect((await fetch(`${base}/webhooks/alertmanager`)).status).toBe(405);
    } finally {
      await bot.stop();
      await deleteKeysWithPrefix(redis, prefix);
      redis.disconnect();
    }
  }, 30_000);
});
