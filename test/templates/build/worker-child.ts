/**
 * A template-build worker in its own process, for the kill test. It talks to the parent's simulator and
 * checksum mirror and reports every card edit on stdout (one JSON object per line), so the parent knows
 * when the create task is running and can SIGKILL it there.
 * Environment: REDIS_URL, KEY_PREFIX (the rig's deployment prefix, its queue's too), SIM (JSON: url,
 * tokenId, tokenSecret, fingerprint), MIRRORS (JSON); PROVISION (JSON, a `provision:` config) also makes
 * it a `vm create` worker.
 */
import { Redis } from "ioredis";
import { createProxmoxClient } from "../../../src/adapters/proxmox/client.js";
import { proxmoxConfigSchema } from "../../../src/adapters/proxmox/config.js";
import { jobDefinitions, jobsSettings, startWorker } from "../../../src/bot/compose/jobs.js";
import { createStores } from "../../../src/bot/compose/stores.js";
import { createTemplateServices } from "../../../src/bot/compose/templates.js";
import type { Notifier } from "../../../src/services/ports.js";
import { provisionConfigSchema } from "../../../src/services/provision/config.js";
import { provisionServices } from "../../../src/services/provision/deps.js";
import { templatesConfigSchema } from "../../../src/services/templates/build/config.js";
import { ImageCatalog } from "../../../src/services/templates/catalog/catalog.js";
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
const templates = createTemplateServices({
  proxmox,
  catalog: ImageCatalog.load(),
  mirrors: JSON.parse(env("MIRRORS")),
  stores: createStores(redis, { prefix: keyPrefix, semaphorePollMs: 20 }),
  config: templatesConfigSchema.parse({ sshKeys: { ops: KEY }, defaults: { sshKeys: ["ops"] } }),
  clock,
  log,
  checksumTimeoutMs: 5000,
  tuning: { leaseMs: 1500 },
});
const chat: Notifier = {
  post: async () => {
    throw new Error("the worker only edits cards");
  },
  update: async (message, reply) => {
    say({ event: "edit", messageId: message.messageId, step: reply.progress?.step ?? "" });
  },
};
const settings = jobsSettings({
  redisUrl: REDIS_URL,
  keyPrefix,
  definitions: jobDefinitions({
    templates,
    notifiers: { console: chat },
    ...(process.env.PROVISION
      ? {
          provision: provisionServices(
            templates,
            provisionConfigSchema.parse(JSON.parse(process.env.PROVISION)),
            {
              pollMs: 20,
              settleMs: 30,
            },
          ),
        }
      : {}),
  }),
  notifiers: { console: chat },
  clock,
  log,
});
startWorker(settings, {
  audit: new RecordingAudit(),
  concurrency: 1,
  progressInterval: 20,
  lockDurationMs: 1000,
  stalledIntervalMs: 300,
});
say({ event: "ready" });
