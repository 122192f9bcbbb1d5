/** `/readyz` turns 503 naming redis when the bot's Redis goes away after start. */
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/bot/config/schema.js";
import { createBot } from "../../src/bot/wiring.js";
import { silentLog } from "../helpers/dispatcher-harness.js";
import { privateRedis } from "./cli-process.js";

describe("/readyz and Redis", () => {
  it("is 503 naming redis once Redis is gone", async () => {
    const redis = await privateRedis([]);
    let stopped = false;
    const config = configSchema.parse({
      redis: { url: redis.url, prefix: "readyz:" },
      http: { host: "127.0.0.1", port: 0 },
      jobs: { runWorker: false },
    });
    const bot = await createBot({
      config,
      log: silentLog,
      clock: { now: () => Date.now() },
      version: "test",
      chat: [],
    });
    try {
      await bot.start();
      const url = `http://127.0.0.1:${bot.port}/readyz`;
      expect((await fetch(url)).status).toBe(200);
      await redis.stop();
      stopped = true;
      const res = await fetch(url);
      expect(res.status).toBe(503);
      expect(((await res.json()) as { failed: string[] }).failed).toEqual(["redis"]);
    } finally {
      await bot.stop();
      if (!stopped) await redis.stop();
    }
  }, 30_000);
});
