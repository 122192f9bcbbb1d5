/** What the fake Slack remembers: messages per channel, calls, response URLs, files, user groups. */
import { EventEmitter } from "node:events";

export interface StoredMessage {
  /** Arrival order across messages and response_url posts. */
  seq: number;
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[] | undefined;
  threadTs?: string;
  ephemeralTo?: string;
  edits: number;
}

export interface ApiCall {
  method: string;
  args: Record<string, unknown>;
  status: number;
  /** Slack's `error` code when the call was refused. */
  error?: string;
  at: number;
}

export interface ResponseUrlPost {
  seq: number;
  id: string;
  body: Record<string, unknown>;
  status: number;
  error?: string;
}

export interface StoredFile {
  id: string;
  filename: string;
  length: number;
  content?: Buffer;
  title?: string;
  channel?: string;
  threadTs?: string;
  completed: boolean;
}

export interface OpenedView {
  id: string;
  view: Record<string, unknown>;
}

export type Failure = { status: 429; retryAfter: number } | { status: number } | { error: string };

export class FakeSlackState extends EventEmitter {
  readonly calls: ApiCall[] = [];
  readonly messages: StoredMessage[] = [];
  readonly responsePosts: ResponseUrlPost[] = [];
  readonly files = new Map<string, StoredFile>();
  readonly responseUrls = new Map<string, { createdAt: number; uses: number }>();
  readonly usergroups: { id: string; handle: string; users: string[] }[] = [];
  readonly notInChannel = new Set<string>();
  readonly lastPost = new Map<string, number>();
  readonly failures = new Map<string, Failure[]>();
  /** trigger_id → when the click that carried it was sent (views.open accepts it for 3 s). */
  readonly triggers = new Map<string, number>();
  /** Modals opened with views.open, newest last. */
  readonly views: OpenedView[] = [];
  private tsCounter = 0;
  private seqCounter = 0;

  nextSeq(): number {
    return ++this.seqCounter;
  }

  nextTs(now: number): string {
    this.tsCounter++;
    return `${Math.floor(now / 1000)}.${String(this.tsCounter).padStart(6, "0")}`;
  }

  record(call: ApiCall): void {
    this.calls.push(call);
    this.emit("call", call);
  }

  recordResponse(post: ResponseUrlPost): void {
    this.responsePosts.push(post);
    this.emit("respond", post);
  }

  takeFailure(method: string): Failure | undefined {
    const list = this.failures.get(method);
    return list?.shift();
  }

  message(channel: string, ts: string): StoredMessage | undefined {
    return this.messages.find((m) => m.channel === channel && m.ts === ts);
  }
}
