/**
 * Test doubles for the jobs tests: a recording chat (there is no chat library to run for the Notifier
 * port), a recording audit log, a capturing logger, and Redis key cleanup per test prefix.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import type { AuditQuery, AuditRecord } from "../../src/services/audit/record.js";
import type { AuditLog, Clock, Log, Notifier } from "../../src/services/ports.js";
import type { ConversationRef, MessageRef } from "../../src/services/vocabulary/identity.js";
import type { Reply } from "../../src/services/vocabulary/reply.js";

export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

export interface RecordedEdit {
  at: number;
  messageId: string;
  reply: Reply;
}

/** A chat that keeps every post and edit; `failNext` makes the next edits reject like a rate-limited API. */
export class RecordingNotifier implements Notifier {
  readonly posts: { at: number; conversation: ConversationRef; reply: Reply; message: MessageRef }[] = [];
  readonly edits: RecordedEdit[] = [];
  failures = 0;
  private seq = 0;

  constructor(private readonly clock: Clock = { now: () => Date.now() }) {}

  async post(conversation: ConversationRef, reply: Reply): Promise<MessageRef> {
    const message: MessageRef = {
      platform: conversation.platform,
      channelId: conversation.channelId,
      messageId: `m${++this.seq}`,
    };
    this.posts.push({ at: this.clock.now(), conversation, reply, message });
    return message;
  }

  async update(message: MessageRef, reply: Reply): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error("429 rate limited");
    }
    this.edits.push({ at: this.clock.now(), messageId: message.messageId, reply });
  }

  editsOf(messageId: string): RecordedEdit[] {
    return this.edits.filter((e) => e.messageId === messageId);
  }

  last(messageId: string): Reply | undefined {
    return this.editsOf(messageId).at(-1)?.reply;
  }
}

export class RecordingAudit implements AuditLog {
  readonly records: AuditRecord[] = [];

  async append(record: AuditRecord): Promise<string> {
    this.records.push(record);
    return String(this.records.length);
  }

  async query(q: AuditQuery): Promise<AuditRecord[]> {
    return [...this.records].reverse().slice(0, q.limit ?? 50);
  }

  async *scan(since: number): AsyncIterable<AuditRecord> {
    for (const r of this.records) if (r.at >= since) yield r;
  }
}

export interface CapturedLine {
  level: string;
  obj: object | string;
  msg?: string;
}

export function captureLog(lines: CapturedLine[] = []): Log & { lines: CapturedLine[] } {
  const make = (): Log & { lines: CapturedLine[] } => ({
    lines,
    debug: (obj, msg) => void lines.push({ level: "debug", obj, ...(msg ? { msg } : {}) }),
    info: (obj, msg) => void lines.push({ level: "info", obj, ...(msg ? { msg } : {}) }),
    warn: (obj, msg) => void lines.push({ level: "warn", obj, ...(msg ? { msg } : {}) }),
    error: (obj, msg) => void lines.push({ level: "error", obj, ...(msg ? { msg } : {}) }),
    child: () => make(),
  });
  return make();
}

/** A unique deployment prefix per test, and a function that deletes every key under it. */
export function testPrefix(): { prefix: string; cleanup(): Promise<void> } {
  const prefix = `test:${randomUUID()}:`;
  return {
    prefix,
    async cleanup() {
      const redis = new Redis(REDIS_URL);
      try {
        let cursor = "0";
        do {
          const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
          cursor = next;
          if (keys.length > 0) await redis.del(...keys);
        } while (cursor !== "0");
      } finally {
        await redis.quit();
      }
    },
  };
}

/** Resolves when `check` holds, polling; fails the test with `what` after `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A promise with its resolver, for steps that wait on the test. */
export function latch(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
