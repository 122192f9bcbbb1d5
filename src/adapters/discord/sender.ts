/**
 * Sends one Delivery to Discord: the DeliverySender that a durable outbox (or `directDelivery`) wraps. An
 * interaction's messages go through its webhook while its token lives: the deferred response is filled by
 * the first message that matches its visibility, later ones are follow-ups. After the token, a message of
 * the interaction is continued on a channel message the bot owns: the first edit posts it (as a reply to the
 * old one) and later edits go to it, so callers keep using the ref they hold. Discord's rate limits are
 * handled by discord.js's REST queue, which waits out every 429 and never drops a call.
 */
import { randomUUID } from "node:crypto";
import type { ConversationRef, MessageRef } from "../../services/vocabulary/identity.js";
import type { Reply } from "../../services/vocabulary/reply.js";
import type { Delivery, DeliveryRoute, DeliverySender, SendVerdict } from "../chat-kit/delivery.js";
import {
  type InteractionToken,
  interactionMessage,
  isEphemeral,
  isOriginal,
  ORIGINAL,
  tokenOf,
} from "./refs.js";
import { messageBody } from "./render/message.js";
import type { DiscordMessage } from "./render/types.js";

/** The part of discord.js's REST client the sender uses. */
export interface RestClient {
  get(route: `/${string}`, options?: RestOptions): Promise<unknown>;
  post(route: `/${string}`, options?: RestOptions): Promise<unknown>;
  patch(route: `/${string}`, options?: RestOptions): Promise<unknown>;
  delete(route: `/${string}`, options?: RestOptions): Promise<unknown>;
}

export interface RestOptions {
  body?: unknown;
  auth?: boolean;
  query?: URLSearchParams;
  /** Uploaded next to the JSON body (multipart), as discord.js takes them. */
  files?: { name: string; data: Buffer }[];
}

/** Where a message of an expired interaction went on; shared by the processes that may edit it. */
export interface ContinuationStore {
  get(messageId: string): Promise<string | undefined>;
  set(messageId: string, continuedAs: string): Promise<void>;
}

export class LocalContinuations implements ContinuationStore {
  private readonly map = new Map<string, string>();
  async get(messageId: string) {
    return this.map.get(messageId);
  }
  async set(messageId: string, continuedAs: string) {
    this.map.set(messageId, continuedAs);
  }
}

export interface DiscordSenderDeps {
  rest: RestClient;
  appId: string;
  now: () => number;
  /** Renders a reply (and keeps what its buttons' clicks open). */
  render: (reply: Reply) => DiscordMessage;
  continuations: ContinuationStore;
  log: { info(obj: object, msg: string): void };
}

const EPHEMERAL_FLAG = 64;
/** Discord's codes for an interaction token that can no longer be used. */
const TOKEN_GONE = new Set([10015, 50027, 10062]);

export class DiscordSender implements DeliverySender {
  readonly platform = "discord" as const;
  /** Interactions whose deferred response waits to be filled, by token: whether it was deferred ephemeral. */
  private readonly pending = new Map<string, boolean>();
  private readonly continuing = new Map<string, Promise<string>>();

  /** Names this process's interaction lanes (see `route`). */
  private readonly instance = randomUUID().slice(0, 8);

  constructor(private readonly deps: DiscordSenderDeps) {}

  /**
   * Deliveries that use an interaction token queue in a lane of this process: only the process that
   * deferred the interaction knows whether its "thinking" response still waits to be filled, so with several
   * front-ends on one Redis another process must not send them. Everything else queues by channel. After a
   * crash another process takes the lane over and answers with a follow-up instead.
   */
  route(delivery: Delivery): DeliveryRoute {
    const ref = delivery.kind === "post" ? delivery.conversation : delivery.message;
    const lane = tokenOf(ref) ? `${ref.channelId}:interaction:${this.instance}` : ref.channelId;
    return { lane, method: delivery.kind };
  }

  /**
   * A reply as REST options: the JSON body (ephemeral flag only where it can apply: interaction responses
   * and follow-ups) and the overflow file.
   */
  message(
    reply: Reply,
    ephemeral?: boolean,
  ): { body: Record<string, unknown>; files?: RestOptions["files"] } {
    const rendered = this.deps.render(reply);
    const { flags: _flags, ...body } = messageBody(rendered);
    if (ephemeral) body.flags = EPHEMERAL_FLAG;
    const files = rendered.files?.map((f) => ({ name: f.name, data: Buffer.from(f.content, "utf8") }));
    return files?.length ? { body, files } : { body };
  }

  /** Called right after an interaction was deferred with a "thinking" response. */
  deferred(token: string, ephemeral: boolean): void {
    this.pending.set(token, ephemeral);
  }

  /** Forgets an interaction whose handling is over. */
  forget(token: string): void {
    this.pending.delete(token);
  }

  async send(delivery: Delivery): Promise<MessageRef | undefined> {
    switch (delivery.kind) {
      case "post":
        return this.post(delivery.conversation, delivery.reply);
      case "update":
        await this.update(delivery.message, delivery.reply);
        return undefined;
      case "reply":
        return this.replyTo(delivery.message, delivery.reply);
    }
  }

  classify(err: unknown): SendVerdict {
    const e = err as { status?: unknown; code?: unknown; retryAfter?: unknown; name?: unknown };
    if (typeof e?.retryAfter === "number") return { kind: "retry-after", ms: e.retryAfter };
    if (typeof e?.status === "number") {
      if (e.status >= 500) return { kind: "backoff", code: `http_${e.status}` };
      return { kind: "fail", code: `discord_${typeof e.code === "number" ? e.code : e.status}` };
    }
    if (e?.name === "AbortError") return { kind: "backoff", code: "timeout" };
    return { kind: "backoff", code: typeof e?.code === "string" ? e.code : "network" };
  }

  private live(token: InteractionToken | undefined): token is InteractionToken {
    return token !== undefined && this.deps.now() < token.usableUntil;
  }

  private async post(conversation: ConversationRef, reply: Reply): Promise<MessageRef> {
    const ephemeral = reply.visibility === "ephemeral";
    const token = tokenOf(conversation);
    if (!this.live(token)) return this.channelPost(conversation.channelId, reply);
    const deferral = this.pending.get(token.token);
    if (deferral === undefined) return this.followUp(conversation.channelId, token, reply, ephemeral);
    if (deferral === ephemeral) {
      this.pending.delete(token.token);
      return this.editInteraction(conversation.channelId, token, ORIGINAL, reply, ephemeral);
    }
    // A channel message while an ephemeral "thinking" waits for the command's own answer: posted by the bot.
    if (!ephemeral) return this.channelPost(conversation.channelId, reply);
    return this.replaceDeferral(conversation.channelId, token, reply, ephemeral);
  }

  /**
   * The command's own answer, sent as an update of the interaction's `@original` ref: fills the deferred
   * response when the visibility matches, or replaces it (the "thinking" message deleted, a follow-up with
   * the right visibility) when it does not; a follow-up when another message already filled it.
   */
  private async answer(message: MessageRef, token: InteractionToken, reply: Reply): Promise<void> {
    const ephemeral = reply.visibility === "ephemeral";
    if (!this.live(token)) {
      await this.channelPost(message.channelId, reply);
      return;
    }
    const deferral = this.pending.get(token.token);
    this.pending.delete(token.token);
    if (deferral === ephemeral)
      await this.editInteraction(message.channelId, token, ORIGINAL, reply, ephemeral);
    else if (deferral === undefined) await this.followUp(message.channelId, token, reply, ephemeral);
    else await this.replaceDeferral(message.channelId, token, reply, ephemeral);
  }

  private async replaceDeferral(
    channelId: string,
    token: InteractionToken,
    reply: Reply,
    ephemeral: boolean,
  ) {
    this.pending.delete(token.token);
    await this.deps.rest.delete(`/webhooks/${this.deps.appId}/${token.token}/messages/${ORIGINAL}`, {
      auth: false,
    });
    return this.followUp(channelId, token, reply, ephemeral);
  }

  private async update(message: MessageRef, reply: Reply): Promise<void> {
    const token = tokenOf(message);
    if (!token) {
      await this.deps.rest.patch(
        `/channels/${message.channelId}/messages/${message.messageId}`,
        this.message(reply),
      );
      return;
    }
    if (isOriginal(message.messageId)) return this.answer(message, token, reply);
    const moved = await this.deps.continuations.get(message.messageId);
    if (moved !== undefined) {
      await this.deps.rest.patch(`/channels/${message.channelId}/messages/${moved}`, this.message(reply));
      return;
    }
    if (this.live(token)) {
      try {
        await this.editInteraction(message.channelId, token, message.messageId, reply, isEphemeral(message));
        return;
      } catch (err) {
        if (!TOKEN_GONE.has(Number((err as { code?: unknown }).code))) throw err;
      }
    }
    if (isEphemeral(message)) {
      // Only its user saw it, and only the expired token could edit it; there is nothing to continue.
      this.deps.log.info(
        { messageId: message.messageId },
        "discord: ephemeral message outlived its token; edit skipped",
      );
      return;
    }
    await this.continueOnChannel(message, reply);
  }

  /** The first edit after the token posts the bot's own message; concurrent edits wait for that one post. */
  private async continueOnChannel(message: MessageRef, reply: Reply): Promise<void> {
    const inFlight = this.continuing.get(message.messageId);
    if (inFlight) {
      const moved = await inFlight;
      await this.deps.rest.patch(`/channels/${message.channelId}/messages/${moved}`, this.message(reply));
      return;
    }
    const posting = this.channelPost(message.channelId, reply, message.messageId).then(async (ref) => {
      await this.deps.continuations.set(message.messageId, ref.messageId);
      return ref.messageId;
    });
    this.continuing.set(message.messageId, posting);
    try {
      await posting;
    } finally {
      this.continuing.delete(message.messageId);
    }
  }

  private async replyTo(message: MessageRef, reply: Reply): Promise<MessageRef> {
    const target = isEphemeral(message)
      ? undefined
      : ((await this.deps.continuations.get(message.messageId)) ?? message.messageId);
    return this.channelPost(message.channelId, reply, target && !isOriginal(target) ? target : undefined);
  }

  private async channelPost(channelId: string, reply: Reply, replyTo?: string): Promise<MessageRef> {
    const { body, files } = this.message(reply);
    if (replyTo) body.message_reference = { message_id: replyTo, fail_if_not_exists: false };
    const sent = (await this.deps.rest.post(`/channels/${channelId}/messages`, {
      body,
      ...(files ? { files } : {}),
    })) as {
      id: string;
    };
    return { platform: "discord", channelId, messageId: sent.id };
  }

  private async followUp(
    channelId: string,
    token: InteractionToken,
    reply: Reply,
    ephemeral: boolean,
  ): Promise<MessageRef> {
    const sent = (await this.deps.rest.post(`/webhooks/${this.deps.appId}/${token.token}`, {
      ...this.message(reply, ephemeral),
      auth: false,
      query: new URLSearchParams({ wait: "true" }),
    })) as { id: string };
    return interactionMessage(channelId, sent.id, token, ephemeral);
  }

  private async editInteraction(
    channelId: string,
    token: InteractionToken,
    messageId: string,
    reply: Reply,
    ephemeral: boolean,
  ): Promise<MessageRef> {
    const sent = (await this.deps.rest.patch(
      `/webhooks/${this.deps.appId}/${token.token}/messages/${messageId}`,
      { ...this.message(reply), auth: false },
    )) as { id: string };
    return interactionMessage(channelId, sent.id, token, ephemeral);
  }
}
