/**
 * Slack's DeliverySender: renders one Delivery and makes its one Web API call (chat.postMessage,
 * chat.update), or its response_url POST for an ephemeral answer (chat.postEphemeral once the URL is used
 * up or when there is none). When to send, retries, pacing order and failure accounting belong to the
 * outbox around it (the durable Redis outbox, or the in-memory one); errors are classified for it with the
 * same rules the in-memory outbox uses.
 *
 * Overflow files (the whole text of a reply too long for a message) go out after their message, through
 * the in-memory outbox with the external-upload flow: they are a copy of what the message already shows
 * in part, so they are best effort and not kept across a restart.
 */
import { createHash, randomUUID } from "node:crypto";
import type { webApi } from "@slack/bolt";
import type { Log } from "../../services/ports.js";
import type { ConversationRef, MessageRef } from "../../services/vocabulary/identity.js";
import type { ButtonSigner } from "../chat-kit/button-signer.js";
import type { Delivery, DeliveryRoute, DeliverySender, SendVerdict } from "../chat-kit/delivery.js";
import { type Overflow, renderReply, type SlackMessage } from "./blocks.js";
import { classifySlackError, type Outbox, SlackHttpError } from "./outbox.js";
import type { Pacer } from "./pacing.js";

export interface MessengerDeps {
  client: webApi.WebClient;
  /** The in-memory outbox that overflow files go through. */
  outbox: Outbox;
  signer: ButtonSigner;
  log: Log;
  fetch: typeof globalThis.fetch;
  /** Slack's published rates, asked before each send by the outbox; absent when pacing is off. */
  pacer?: Pacer;
}

/** Keys the adapter keeps in ConversationRef.extra / MessageRef.extra. */
export const EXTRA = {
  responseUrl: "responseUrl",
  userId: "userId",
  ephemeral: "ephemeral",
  /** The thread a posted message is in, so a reply to it goes to the thread's root. */
  threadTs: "threadTs",
} as const;

/** How many message→overflow hashes are remembered, so repeated edits do not attach the same file again. */
const ATTACHED_MEMORY = 500;

export class SlackSender implements DeliverySender {
  readonly platform = "slack" as const;
  private readonly attached = new Map<string, string>();

  constructor(private readonly deps: MessengerDeps) {}

  /**
   * Why a delivery cannot be sent at all, checked before it is queued so a bad request fails at once and
   * stores nothing.
   */
  problem(delivery: Delivery): string | undefined {
    if (delivery.kind === "post") {
      const { extra } = delivery.conversation;
      if (delivery.reply.visibility === "ephemeral" && !extra?.[EXTRA.responseUrl] && !extra?.[EXTRA.userId])
        return "an ephemeral Slack reply needs the invoking user or a response_url";
      return undefined;
    }
    if (delivery.message.extra?.[EXTRA.ephemeral] !== "1") return undefined;
    if (delivery.kind === "reply") return "an ephemeral Slack message has no thread to reply in";
    return delivery.message.extra[EXTRA.responseUrl]
      ? undefined
      : "an ephemeral message can only be edited through its response_url";
  }

  /**
   * Private answers do not count against the channel's one message per second, so they get their own
   * lane: an error shown to one user never waits behind a rate-limited channel.
   */
  route(delivery: Delivery): DeliveryRoute {
    if (delivery.kind === "post") {
      const { channelId, extra } = delivery.conversation;
      if (delivery.reply.visibility !== "ephemeral") return { lane: channelId, method: "chat.postMessage" };
      return {
        lane: `${channelId}:ephemeral`,
        method: extra?.[EXTRA.responseUrl] ? "response_url" : "chat.postEphemeral",
      };
    }
    const { channelId } = delivery.message;
    if (delivery.kind === "reply") return { lane: channelId, method: "chat.postMessage" };
    return delivery.message.extra?.[EXTRA.ephemeral] === "1"
      ? { lane: `${channelId}:ephemeral`, method: "response_url" }
      : { lane: channelId, method: "chat.update" };
  }

  pace(delivery: Delivery): number {
    return this.deps.pacer?.reserve(channelOf(delivery), this.route(delivery).method) ?? 0;
  }

  settle(delivery: Delivery): void {
    this.deps.pacer?.settle(channelOf(delivery), this.route(delivery).method);
  }

  classify(err: unknown): SendVerdict {
    return classifySlackError(err);
  }

  async send(delivery: Delivery): Promise<MessageRef | undefined> {
    const problem = this.problem(delivery);
    if (problem) throw new Error(problem);
    const msg = renderReply(delivery.reply, this.deps.signer);
    if (delivery.kind === "update") {
      await this.update(delivery.message, msg);
      return undefined;
    }
    if (delivery.kind === "reply") {
      // Slack keeps one level of threads: a reply to a message in a thread goes to that thread's root.
      const root = delivery.message.extra?.[EXTRA.threadTs] ?? delivery.message.messageId;
      return this.postInChannel(delivery.message.channelId, msg, root);
    }
    const { conversation, reply } = delivery;
    if (reply.visibility === "ephemeral") return this.postEphemeral(conversation, msg);
    return this.postInChannel(conversation.channelId, msg, reply.thread ? conversation.threadId : undefined);
  }

  private async postInChannel(
    channel: string,
    msg: SlackMessage,
    threadTs: string | undefined,
  ): Promise<MessageRef> {
    const res = await this.deps.client.chat.postMessage({
      channel,
      text: msg.text,
      blocks: msg.blocks,
      unfurl_links: false,
      ...(threadTs ? { thread_ts: threadTs } : {}),
    });
    const ts = String(res.ts);
    if (msg.overflow) this.attach(channel, threadTs ?? ts, `${channel}:${ts}`, msg.overflow);
    return {
      platform: "slack",
      channelId: channel,
      messageId: ts,
      ...(threadTs ? { extra: { [EXTRA.threadTs]: threadTs } } : {}),
    };
  }

  private async update(message: MessageRef, msg: SlackMessage): Promise<void> {
    const channel = message.channelId;
    const responseUrl = message.extra?.[EXTRA.responseUrl];
    if (message.extra?.[EXTRA.ephemeral] === "1" && responseUrl) {
      await this.respond(responseUrl, { replace_original: true, text: msg.text, blocks: msg.blocks });
      return;
    }
    await this.deps.client.chat.update({
      channel,
      ts: message.messageId,
      text: msg.text,
      blocks: msg.blocks,
    });
    if (msg.overflow)
      this.attach(channel, message.messageId, `${channel}:${message.messageId}`, msg.overflow);
  }

  /**
   * Through the response_url while it lasts (five uses, 30 minutes); once Slack answers 404 for it, or
   * when there is none, through chat.postEphemeral to the invoking user.
   */
  private async postEphemeral(conversation: ConversationRef, msg: SlackMessage): Promise<MessageRef> {
    const channel = conversation.channelId;
    const responseUrl = conversation.extra?.[EXTRA.responseUrl];
    const userId = conversation.extra?.[EXTRA.userId];
    const direct = async () => {
      const res = await this.deps.client.chat.postEphemeral({
        channel,
        user: userId!,
        text: msg.text,
        blocks: msg.blocks,
      });
      return String(res.message_ts);
    };
    let ts: string | undefined;
    if (!responseUrl) ts = await direct();
    else {
      try {
        await this.respond(responseUrl, { response_type: "ephemeral", text: msg.text, blocks: msg.blocks });
      } catch (err) {
        if (!(userId && err instanceof SlackHttpError && err.status === 404)) throw err;
        ts = await direct();
      }
    }
    if (msg.overflow && userId) this.attachToUser(userId, msg.overflow);
    if (ts !== undefined) {
      return { platform: "slack", channelId: channel, messageId: ts, extra: { [EXTRA.ephemeral]: "1" } };
    }
    return {
      platform: "slack",
      channelId: channel,
      messageId: `ephemeral-${randomUUID()}`,
      extra: { [EXTRA.ephemeral]: "1", [EXTRA.responseUrl]: responseUrl! },
    };
  }

  /** response_url accepts JSON; Slack answers 200 on success, 404 once the URL is used up or expired. */
  private async respond(url: string, body: Record<string, unknown>): Promise<void> {
    const res = await this.deps.fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      redirect: "error",
    });
    const text = await res.text();
    if (res.ok) return;
    const retryAfter = Number(res.headers.get("retry-after"));
    const code = /^[a-z_]{1,64}$/.test(text.trim()) ? text.trim() : `http_${res.status}`;
    throw new SlackHttpError(
      res.status,
      code,
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
    );
  }

  /** An ephemeral reply's overflow goes to the user's direct message, so it stays private. */
  private attachToUser(userId: string, overflow: Overflow): void {
    this.deps.outbox
      .send(`dm:${userId}`, "conversations.open", () =>
        this.deps.client.conversations.open({ users: userId }),
      )
      .then((res) => {
        const dm = res.channel?.id;
        if (!dm) throw new Error("conversations.open returned no channel");
        this.attach(dm, undefined, `${dm}:${overflow.filename}`, overflow);
      })
      .catch((err: unknown) =>
        this.deps.log.warn({ err: String(err), userId }, "slack overflow file not sent"),
      );
  }

  /** Uploads the full text in the background; a failure is counted and logged by the outbox. */
  private attach(channel: string, threadTs: string | undefined, key: string, overflow: Overflow): void {
    const hash = createHash("sha256").update(overflow.content).digest("hex");
    if (this.attached.get(key) === hash) return;
    this.attached.set(key, hash);
    if (this.attached.size > ATTACHED_MEMORY) this.attached.delete(this.attached.keys().next().value!);
    this.deps.outbox
      .send(channel, "files.uploadV2", () => {
        const file = { filename: overflow.filename, title: overflow.title, content: overflow.content };
        return threadTs
          ? this.deps.client.filesUploadV2({ ...file, channel_id: channel, thread_ts: threadTs })
          : this.deps.client.filesUploadV2({ ...file, channel_id: channel });
      })
      .catch(() => {
        // Already counted and logged by the outbox with the method and code; the message itself was sent.
      });
  }
}

function channelOf(delivery: Delivery): string {
  return delivery.kind === "post" ? delivery.conversation.channelId : delivery.message.channelId;
}
