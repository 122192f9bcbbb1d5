/**
 * A template-build worker in its own process, for the kill test. It talks to the parent's simulator and
 * checksum mirror and reports every card edit on stdout (one JSON object per line), so the parent knows
 * when the create task is running and can SIGKILL it there.
 * Environment: REDIS_URL, KEY_PREFIX, JOBS_PREFIX, SIM (JSON: url, tokenId, tokenSecret, fingerprint),
 * MIRRORS (JSON).
 */
import { Redis } from "ioredis";
import { HttpChecksumSource } from "../../../src/adapters/checksums/http-checksum-source.js";
import { createProxmoxClient } from "../../../src/adapters/proxmox/client.js";
import { proxmoxConfigSchema } from "../../../src/adapters/proxmox/config.js";
import { connectionFromUrl } from "../../../src/adapters/queue/connection.js";
import { startJobWorker } from "../../../src/adapters/queue/job-worker.js";
import { RedisSemaphore } from "../../../src/adapters/store/locks.js";
import { RedisVmidReservations } from "../../../src/adapters/store/vmid-reservations.js";
import { createJobRegistry } from "../../../src/services/jobs/definition.js";
import type { Notifier } from "../../../src/services/ports.js";
import { templatesConfigSchema } from "../../../src/services/templates/build/config.js";
import { TaskFollower } from "../../../src/services/templates/build/follow-task.js";
import { createTemplateBuildJob } from "../../../src/services/templates/build/job.js";
import { ImageCatalog, importFilename } from "../../../src/services/templates/catalog/catalog.js";
import { captureLog, REDIS_URL, RecordingAudit } from "../../jobs/support.js";
import { KEY } from "./rig.js";

const say = (event: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(event)}\n`);
};
const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const sim = JSON.parse(env("SIM")) as {
  url: string;
  tokenId: string;
  tokenSecret: string;
  fingerprint: string;
};
const log = captureLog();
const clock = { now: () => Date.now() };
const proxmox = createProxmoxClient(
  proxmoxConfigSchema.parse({
    url: sim.url,
    tokenId: sim.tokenId,
    tokenSecret: sim.tokenSecret,
    tlsFingerprint: sim.fingerprint,
  }),
  { log, clock },
);
const redis = new Redis(REDIS_URL);
const keyPrefix = env("KEY_PREFIX");
const definition = createTemplateBuildJob({
  proxmox,
  catalog: ImageCatalog.load(),
  checksums: new HttpChecksumSource({
    mirrors: JSON.parse(env("MIRRORS")),
    timeoutMs: 5000,
    maxBytes: 1 << 20,
    log,
  }),
  importFilename,
  reservations: new RedisVmidReservations(redis, keyPrefix),
  semaphore: new RedisSemaphore(redis, { prefix: keyPrefix, pollMs: 20 }),
  config: templatesConfigSchema.parse({ sshKeys: { ops: KEY }, defaults: { sshKeys: ["ops"] } }),
  clock,
  follower: new TaskFollower(proxmox, clock),
  leaseMs: 1500,
});
const chat: Notifier = {
  post: async () => {
    throw new Error("the worker only edits cards");
  },
  update: async (message, reply) => {
    say({ event: "edit", messageId: message.messageId, step: reply.progress?.step ?? "" });
  },
};
startJobWorker({
  connection: connectionFromUrl(REDIS_URL),
  prefix: env("JOBS_PREFIX"),
  queueName: "jobs",
  registry: createJobRegistry([definition]),
  notifiers: { console: chat },
  audit: new RecordingAudit(),
  concurrency: 1,
  progressInterval: 20,
  clock,
  log,
  lockDurationMs: 1000,
  stalledIntervalMs: 300,
});
say({ event: "ready" });
