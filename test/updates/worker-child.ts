/**
 * An update worker in its own process, for the kill test: it runs `update.apply` jobs against the
 * parent's simulator and is SIGKILLed by the parent mid-rollout.
 * Environment: REDIS_URL, KEY_PREFIX, SIM_URL, SIM_TOKEN_ID, SIM_TOKEN_SECRET, SIM_FINGERPRINT.
 */
import { createProxmoxClient } from "../../src/adapters/proxmox/client.js";
import { proxmoxConfigSchema } from "../../src/adapters/proxmox/config.js";
import { jobsSettings, startWorker } from "../../src/bot/compose/jobs.js";
import { createUpdateServices } from "../../src/bot/compose/updates.js";
import { silentLog } from "../../src/services/log.js";
import type { Notifier } from "../../src/services/ports.js";
import { createUpdateApplyJob } from "../../src/services/updates/apply-job.js";
import { updatesConfigSchema } from "../../src/services/updates/config.js";
import { captureLog, REDIS_URL, RecordingAudit } from "../jobs/support.js";

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const clock = { now: () => Date.now() };
const proxmox = createProxmoxClient(
  proxmoxConfigSchema.parse({
    url: env("SIM_URL"),
    tokenId: env("SIM_TOKEN_ID"),
    tokenSecret: env("SIM_TOKEN_SECRET"),
    tlsFingerprint: env("SIM_FINGERPRINT"),
  }),
  { log: silentLog, clock },
);
const updates = createUpdateServices({
  proxmox,
  config: updatesConfigSchema.parse({ pollInterval: 5 }),
  clock,
  log: silentLog,
});
let posted = 0;
const chat: Notifier = {
  post: async (conversation) => ({ ...conversation, messageId: `child-${++posted}` }),
  update: async () => {},
};
const settings = jobsSettings({
  redisUrl: REDIS_URL,
  keyPrefix: env("KEY_PREFIX"),
  definitions: [createUpdateApplyJob({ updates, notifiers: { console: chat }, editIntervalMs: 10 })],
  notifiers: { console: chat },
  clock,
  log: captureLog(),
});
startWorker(settings, {
  audit: new RecordingAudit(),
  concurrency: 1,
  progressInterval: 50,
  lockDurationMs: 1000,
  stalledIntervalMs: 300,
});
process.stdout.write(`${JSON.stringify({ event: "ready" })}\n`);
