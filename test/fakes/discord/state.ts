/**
 * What the fake Discord holds: channel messages as a client would see them (including interaction
 * responses, follow-ups and ephemeral ones), the interactions it sent with the state of their tokens, the
 * registered commands and every REST call with its answer. Time comes from `now()`, which tests move forward
 * to age interaction tokens past their 15 minutes without waiting.
 */

export interface FakeMessage {
  id: string;
  channelId: string;
  /** Monotonic order of creation, for listing. */
  seq: number;
  content: string;
  embeds: Record<string, unknown>[];
  components: Record<string, unknown>[];
  attachments: { filename: string; size: number }[];
  flags: number;
  /** The message this one replies to (message_reference). */
  replyTo?: string;
  /** `bot` for channel messages the bot posted; `interaction` for responses and follow-ups. */
  author: "bot" | "interaction";
  /** The interaction this message answers (responses and follow-ups). */
  interactionId?: string;
  edits: number;
  deleted: boolean;
}

export const EPHEMERAL = 64;
/** Discord shows a deferred response as "… is thinking" until it is edited. */
export const LOADING = 128;

export interface FakeInteraction {
  id: string;
  token: string;
  type: number;
  createdAt: number;
  channelId: string;
  /** The callback type the bot answered with, once it did. */
  callback?: { type: number; at: number; data?: Record<string, unknown> };
  /** The response message (`@original`), once there is one. */
  originalId?: string;
  /** The message whose component was used (buttons, modal submits from a button). */
  messageId?: string;
  /** Choices answered to an autocomplete. */
  choices?: { name: string; value: string | number }[];
  /** Modal shown in answer. */
  modal?: Record<string, unknown>;
}

export interface RestCall {
  method: string;
  /** Path after `/api/v10`. */
  path: string;
  status: number;
  body: unknown;
  at: number;
}

export class FakeDiscordState {
  readonly messages: FakeMessage[] = [];
  readonly interactions = new Map<string, FakeInteraction>();
  readonly calls: RestCall[] = [];
  /** Registered commands: `global` or a guild id → the list last PUT. */
  readonly commands = new Map<string, Record<string, unknown>[]>();
  private clockOffset = 0;
  private seq = 0;
  private nextId = BigInt("1300000000000000000");

  now(): number {
    return Date.now() + this.clockOffset;
  }

  /** Moves the fake's clock (interaction deadlines and token lifetimes) forward. */
  advance(ms: number): void {
    this.clockOffset += ms;
  }

  snowflake(): string {
    this.nextId += 1n;
    return this.nextId.toString();
  }

  addMessage(m: Omit<FakeMessage, "id" | "seq" | "edits" | "deleted">): FakeMessage {
    const message: FakeMessage = { ...m, id: this.snowflake(), seq: ++this.seq, edits: 0, deleted: false };
    this.messages.push(message);
    return message;
  }

  message(id: string): FakeMessage | undefined {
    return this.messages.find((m) => m.id === id && !m.deleted);
  }

  /** Messages a client would show in `channelId`, oldest first (deleted ones and "thinking" ones left out). */
  visible(channelId: string): FakeMessage[] {
    return this.messages.filter((m) => m.channelId === channelId && !m.deleted && !(m.flags & LOADING));
  }

  callsTo(method: string, pattern: RegExp): RestCall[] {
    return this.calls.filter((c) => c.method === method && pattern.test(c.path));
  }
}
