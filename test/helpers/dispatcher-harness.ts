/**
 * A dispatcher on real Redis stores and a real BullMQ queue, wired by the same factories as the bot
 * (src/bot/compose), with commands chosen by the test and a recording notifier standing in for a chat
 * platform. Each harness has its own key prefix.
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { RedisApprovalStore } from "../../src/adapters/store/approval-store.js";
import type { RedisAuditLog } from "../../src/adapters/store/audit-log.js";
import { whenUnavailable } from "../../src/adapters/store/redis.js";
import {
  type CommandCore,
  type CommandServicesInput,
  createCommandCore,
  createCommandServices,
  createDispatcher,
} from "../../src/bot/compose/dispatcher.js";
import { createJobQueue, jobsSettings } from "../../src/bot/compose/jobs.js";
import { createStores, openStore } from "../../src/bot/compose/stores.js";
import type { Dispatcher } from "../../src/bot/pipeline/dispatcher.js";
import type { ActionRoute, PipelineMetrics } from "../../src/bot/pipeline/types.js";
import type { CommandDefinition } from "../../src/commands/definition.js";
import { policyFor } from "../../src/services/approvals/index.js";
import type { ApprovalPolicy } from "../../src/services/approvals/model.js";
import type { AuditRetryBuffer, AuditRetryBufferOptions } from "../../src/services/audit/retry-buffer.js";
import type { JobDefinition } from "../../src/services/jobs/definition.js";
import { silentLog } from "../../src/services/log.js";
import type { Clock, Log, Notifier } from "../../src/services/ports.js";
import type { RbacConfig } from "../../src/services/rbac.js";
import { createScrubber } from "../../src/services/redaction.js";
import type { Actor, ConversationRef, MessageRef } from "../../src/services/vocabulary/identity.js";
import type { Reply } from "../../src/services/vocabulary/reply.js";

export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

export { silentLog };

/** Records what the "platform" was sent, like a chat would show it. */
export class RecordingNotifier implements Notifier {
  readonly messages = new Map<string, { conversation: ConversationRef; replies: Reply[] }>();
  private next = 1;

  async post(conversation: ConversationRef, reply: Reply): Promise<MessageRef> {
    const messageId = String(this.next++);
    this.messages.set(messageId, { conversation, replies: [reply] });
    return { platform: "console", channelId: conversation.channelId, messageId };
  }

  async update(message: MessageRef, reply: Reply): Promise<void> {
    const entry = this.messages.get(message.messageId);
    if (!entry) throw new Error(`no message ${message.messageId}`);
    entry.replies.push(reply);
  }

  latest(messageId: string): Reply | undefined {
    return this.messages.get(messageId)?.replies.at(-1);
  }
}

export function consoleActor(id: string, groups: string[] = []): Actor {
  return { platform: "console", id, name: id, groups };
}

export const CONVERSATION: ConversationRef = { platform: "console", channelId: "ops" };

export interface HarnessOptions {
  commands: CommandDefinition[];
  rbac: RbacConfig;
  policy?: Partial<ApprovalPolicy>;
  clock?: Clock;
  /** Share a prefix with another harness: a second "bot process" on the same Redis. */
  prefix?: string;
  /** Share the "platform" with another harness, so cards posted by one can be edited by the other. */
  notifier?: RecordingNotifier;
  redisUrl?: string;
  /** Where the dispatcher reports finished commands and approvals; nowhere by default. */
  metrics?: PipelineMetrics;
  /** Configured secret values the replies and audit records are scrubbed of. */
  secrets?: string[];
  log?: Log;
  /** How long a store command may go unanswered (a paused Redis) before it counts as unavailable. */
  commandTimeoutMs?: number;
  onAuditRetry?: AuditRetryBufferOptions["onEvent"];
  /** The button table, when a test adds a route of its own. */
  actionRoutes?: readonly ActionRoute[];
  /** Extra services the commands see (Proxmox, provisioning), wired as the bot wires them. */
  services?: Partial<
    Pick<CommandServicesInput, "proxmox" | "templates" | "provision" | "updates" | "imageCatalog">
  >;
  /** Job types the queue accepts (no worker runs them here). */
  jobDefinitions?: JobDefinition[];
}

export interface Harness {
  dispatcher: Dispatcher;
  notifier: RecordingNotifier;
  approvals: RedisApprovalStore;
  audit: RedisAuditLog;
  prefix: string;
  redis: Redis;
  auditRetry: AuditRetryBuffer;
  /** The registry, policy and approval requester the dispatcher was built with (jobs use the requester). */
  core: CommandCore;
  close(): Promise<void>;
}

export async function createHarness(options: HarnessOptions): Promise<Harness> {
  const prefix = options.prefix ?? `test:${randomUUID()}:`;
  const clock = options.clock ?? { now: () => Date.now() };
  const log = options.log ?? silentLog;
  const url = options.redisUrl ?? REDIS_URL;
  const store = await openStore(url, {
    log: silentLog,
    timeoutMs: 3000,
    tuning: { maxBackoffMs: 200, commandTimeoutMs: options.commandTimeoutMs },
  });
  const scrub = createScrubber(options.secrets ?? []);
  const stores = createStores(store.redis, { prefix, scrub });
  const notifier = options.notifier ?? new RecordingNotifier();
  const notifiers = { console: notifier };
  const core = createCommandCore({
    commands: options.commands,
    stores,
    notifiers,
    approvals: (command) => ({
      ...policyFor(command, { default: { required: 1, expiry: 15 * 60_000, approvers: [] }, commands: {} }),
      ...options.policy,
    }),
    clock,
    log,
    auditRetry: { retryMs: 50, maxRetryMs: 200, onEvent: options.onAuditRetry },
  });
  const settings = jobsSettings({
    redisUrl: url,
    keyPrefix: prefix,
    definitions: options.jobDefinitions ?? [],
    notifiers,
    clock,
    log: silentLog,
  });
  const jobs = createJobQueue(settings, { attempts: 1, backoffMs: 100 });
  const services = createCommandServices({
    core,
    stores,
    jobs,
    rbac: options.rbac,
    version: "test",
    ...options.services,
  });
  const dispatcher = createDispatcher({
    core,
    services,
    notifiers,
    clock,
    log,
    metrics: options.metrics,
    scrub,
    unavailable: whenUnavailable,
    ...(options.actionRoutes ? { actionRoutes: options.actionRoutes } : {}),
  });
  return {
    dispatcher,
    notifier,
    approvals: stores.approvals,
    audit: stores.audit,
    prefix,
    redis: store.redis,
    auditRetry: core.auditRetry,
    core,
    async close() {
      await jobs.close();
      await core.auditRetry.close();
      store.close();
    },
  };
}
