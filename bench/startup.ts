/**
 * Start-up benchmark: spawns the built bot (`node dist/bot/cli.js run`) against the PVE simulator and the
 * local Redis, measures the time from spawn to the first `/readyz` 200, and the process's RSS right then.
 * Five runs; prints one JSON object with the medians. Budgets: ready < 1.5 s, RSS < 120 MB.
 *
 *   npm run bench:startup      (builds first)
 */
import { Redis } from "ioredis";
import { deleteKeysWithPrefix } from "../src/adapters/store/redis.js";
import { startPveSimulator } from "../src/sim/pve/index.js";
import { median, runBotUntilReady, simBotEnv } from "./spawn-bot.js";

const RUNS = 5;

const sim = await startPveSimulator();
const env = simBotEnv(sim);
const runs = [];
for (let i = 0; i < RUNS; i++) runs.push(await runBotUntilReady(env));
await sim.close();
// The bench's own keys (job queue metadata the runs created) go with it.
const redis = new Redis(env.REDIS_URL);
await deleteKeysWithPrefix(redis, env.PVEBOT_REDIS_PREFIX);
redis.disconnect();

const readyMs = median(runs.map((r) => r.readyMs));
const rss = median(runs.map((r) => r.rssMb));
console.log(
  JSON.stringify({
    benchmark: "startup",
    runs: RUNS,
    node: process.version,
    readyMsMedian: readyMs,
    rssMbMedian: rss,
    readyMsAll: runs.map((r) => r.readyMs),
    rssMbAll: runs.map((r) => r.rssMb),
    budget: { readyMs: 1500, rssMb: 120 },
    withinBudget: readyMs < 1500 && rss < 120,
  }),
);
