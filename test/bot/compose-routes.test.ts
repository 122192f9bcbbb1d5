/**
 * HTTP routes are mounted after the services exist: a route may be built from the composed services (as a
 * webhook route will be, from the stores it writes to), and a route table that cannot be mounted fails
 * `createBot` with every connection it had opened closed again.
 */
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/bot/config/schema.js";
import { sendJson } from "../../src/bot/http/respond.js";
import { createBot } from "../../src/bot/wiring.js";
import { silentLog } from "../helpers/dispatcher-harness.js";
import { eventually } from "../jobs/support.js";
import { privateRedis } from "./cli-process.js";

function configFor(url: string) {
  return configSchema.parse({
    redis: { url, prefix: "routes:" },
    http: { host: "127.0.0.1", port: 0, adminPort: 0 },
    jobs: { runWorker: false },
  });
}

describe("routes built from the composed services", () => {
  it("are served on the public port and reach the stores the bot uses", async () => {
    const redis = await privateRedis([]);
    const bot = await createBot({
      config: configFor(redis.url),
      log: silentLog,
      clock: { now: () => Date.now() },
      version: "9.9.9-test",
      chat: [],
      routes: (composed) => [
        {
          method: "GET",
          path: "/probe",
          handler: async (_req, res) => {
            const pending = await composed.stores.approvals.listPending();
            sendJson(res, 200, { version: composed.services.version, pending: pending.length });
          },
        },
      ],
    });
    try {
      await bot.start();
      const res = await fetch(`http://127.0.0.1:${bot.port}/probe`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ version: "9.9.9-test", pending: 0 });
      // The admin port serves only the built-in endpoints.
      expect((await fetch(`http://127.0.0.1:${bot.adminPort}/probe`)).status).toBe(404);
    } finally {
      await bot.stop();
      await redis.stop();
    }
  }, 30_000);

  it("two routes on one path fail createBot, leaving no connection open", async () => {
    const redis = await privateRedis([]);
    const watcher = new Redis(redis.url);
    try {
      const handler = () => {};
      await expect(
        createBot({
          config: configFor(redis.url),
          log: silentLog,
          clock: { now: () => Date.now() },
          version: "test",
          chat: [],
          routes: () => [
            { method: "POST", path: "/hook", handler },
            { method: "POST", path: "/hook", handler },
          ],
        }),
      ).rejects.toThrow("route POST /hook is already mounted");
      const others = async () =>
        String(await watcher.client("LIST"))
          .split("\n")
          .filter(Boolean).length - 1;
      await eventually(async () => (await others()) === 0, "every connection of the failed bot closed");
    } finally {
      watcher.disconnect();
      await redis.stop();
    }
  }, 30_000);
});
