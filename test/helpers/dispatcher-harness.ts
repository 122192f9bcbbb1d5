/**
 * A dispatcher on real Redis stores and a real BullMQ queue, with commands chosen by the test and a
 * recording notifier standing in for a chat platform. Each harness has its own key prefix.
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { BullJobQueue } from "../../src/adapters/queue/bull-job-queue.js";
import { bullPrefixFor, connectionFromUrl } from "../../src/adapters/queue/connection.js";
import { RedisApprovalStore } from "../../src/adapters/store/approval-store.js";
import { RedisAuditLog } from "../../src/adapters/store/audit-log.js";
import { createRedis, waitUntilReady, whenUnavailable } from "../../src/adapters/store/redis.js";
import { Dispatcher } from "../../src/bot/pipeline/dispatcher.js";
import type { PipelineMetrics } from "../../src/bot/pipeline/types.js";
import type { CommandDefinition } from "../../src/commands/definition.js";
import { CommandRegistry } from "../../src/commands/registry.js";
import { policyFor } from "../../src/services/approvals/index.js";
import { AuditRetryBuffer, type AuditRetryBufferOptions } from "../../src/services/audit/retry-buffer.js";
import { createJobRegistry } from "../../src/services/jobs/definition.js";
import {
  type ApprovalPolicy,
  type Clock,
  type Log,
  type Notifier,
  silentLog,
} from "../../src/services/ports.js";
import { Rbac, type RbacConfig } from "../../src/services/rbac.js";
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
}

export interface Harness {
  dispatcher: Dispatcher;
  notifier: RecordingNotifier;
  approvals: RedisApprovalStore;
  audit: RedisAuditLog;
  prefix: string;
  redis: Redis;
  auditRetry: AuditRetryBuffer;
  close(): Promise<void>;
}

export async function createHarness(options: HarnessOptions): Promise<Harness> {
  const prefix = options.prefix ?? `test:${randomUUID()}:`;
  const clock = options.clock ?? { now: () => Date.now() };
  const url = options.redisUrl ?? REDIS_URL;
  const redis = createRedis(url, {
    log: silentLog,
    name: "test",
    maxBackoffMs: 200,
    ...(options.commandTimeoutMs ? { commandTimeoutMs: options.commandTimeoutMs } : {}),
  });
  await waitUntilReady(redis, 3000);
  const approvals = new RedisApprovalStore(redis, { prefix });
  const audit = new RedisAuditLog(redis, { prefix, scrub: createScrubber(options.secrets ?? []) });
  const notifier = options.notifier ?? new RecordingNotifier();
  const jobs = new BullJobQueue({
    connection: connectionFromUrl(url),
    prefix: bullPrefixFor(prefix),
    queueName: "jobs",
    notifiers: { console: notifier },
    registry: createJobRegistry([]),
    attempts: 1,
    backoffMs: 100,
    clock,
    log: silentLog,
  });
  const registry = new CommandRegistry(options.commands);
  const auditRetry = new AuditRetryBuffer({
    audit,
    log: options.log ?? silentLog,
    retryMs: 50,
    maxRetryMs: 200,
    ...(options.onAuditRetry ? { onEvent: options.onAuditRetry } : {}),
  });
  const dispatcher = new Dispatcher({
    registry,
    services: { commands: registry, rbac: new Rbac(options.rbac), approvals, audit, jobs, version: "test" },
    notifiers: { console: notifier },
    policyFor: (command) => ({
      ...policyFor(command, { default: { required: 1, expiry: 15 * 60_000, approvers: [] }, commands: {} }),
      ...options.policy,
    }),
    clock,
    log: options.log ?? silentLog,
    metrics: options.metrics ?? { commandFinished() {}, approvalDecided() {} },
    auditRetry,
    scrub: createScrubber(options.secrets ?? []),
    unavailable: whenUnavailable,
  });
  return {
    dispatcher,
    notifier,
    approvals,
    audit,
    prefix,
    redis,
    auditRetry,
    async close() {
      await jobs.close();
      await auditRetry.close();
      redis.disconnect();
    },
  };
}
