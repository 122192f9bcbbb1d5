/**
 * Sends rendered replies: channel messages with chat.postMessage / chat.update, ephemeral ones through the
 * invocation's response_url (or chat.postEphemeral once that is gone), and overflow files with the
 * external-upload flow (files.getUploadURLExternal → upload → files.completeUploadExternal). Everything goes
 * through the outbox, so rate limits, retries and failure accounting live in one place.
 */
import { createHash, randomUUID } from "node:crypto";
import type { webApi } from "@slack/bolt";
import type { Log } from "../../services/ports.js";
import type { ConversationRef, MessageRef } from "../../services/vocabulary/identity.js";
import type { Reply } from "../../services/vocabulary/reply.js";
import type { ButtonSigner } from "../chat-kit/button-signer.js";
import { type Overflow, renderReply, type SlackMessage } from "./blocks.js";
import { type Outbox, SlackHttpError } from "./outbox.js";

export interface MessengerDeps {
  client: webApi.WebClient;
  outbox: Outbox;
  signer: ButtonSigner;
  log: Log;
  fetch: typeof globalThis.fetch;
}

/** Keys the adapter keeps in ConversationRef.extra / MessageRef.extra. */
export const EXTRA = {
  responseUrl: "responseUrl",
  userId: "userId",
  ephemeral: "ephemeral",
  /** The thread a posted message is in, so a reply to it goes to the thread's root. */
  threadTs: "threadTs",
} as const;

/**
 * Private answers do not count against the channel's one-message-per-second limit, so they get their own
 * lane: an error shown to one user never waits behind a rate-limited channel.
 */
function ephemeralLane(channel: string): string {
  return `${channel}:ephemeral`;
}

/** How many message→overflow hashes are remembered, so repeated edits do not attach the same file again. */
const ATTACHED_MEMORY = 500;

export class SlackMessenger {
  private readonly attached = new Map<string, string>();

  constructor(private readonly deps: MessengerDeps) {}

  render(reply: Reply): SlackMessage {
    return renderReply(reply, this.deps.signer);
  }

  async post(conversation: ConversationRef, reply: Reply): Promise<MessageRef> {
    const msg = this.render(reply);
    if (reply.visibility === "ephemeral") return this.postEphemeral(conversation, msg);
    return this.postInChannel(conversation.channelId, msg, reply.thread ? conversation.threadId : undefined);
  }

  /**
   * Posts into the thread of `message`: a reply to a message that is itself in a thread goes to that
   * thread's root, as Slack keeps one level of threads. A thread reply is seen by everyone in the channel;
   * an ephemeral message has no thread, so it cannot be replied to.
   */
  async reply(message: MessageRef, reply: Reply): Promise<MessageRef> {
    if (message.extra?.[EXTRA.ephemeral] === "1")
      throw new Error("an ephemeral Slack message has no thread to reply in");
    const root = message.extra?.[EXTRA.threadTs] ?? message.messageId;
    return this.postInChannel(message.channelId, this.render(reply), root);
  }

  private async postInChannel(
    channel: string,
    msg: SlackMessage,
    threadTs: string | undefined,
  ): Promise<MessageRef> {
    const res = await this.deps.outbox.send(channel, "chat.postMessage", () =>
      this.deps.client.chat.postMessage({
        channel,
        text: msg.text,
        blocks: msg.blocks,
        unfurl_links: false,
        ...(threadTs ? { thread_ts: threadTs } : {}),
      }),
    );
    const ts = String(res.ts);
    if (msg.overflow) this.attach(channel, threadTs ?? ts, `${channel}:${ts}`, msg.overflow);
    return {
      platform: "slack",
      channelId: channel,
      messageId: ts,
      ...(threadTs ? { extra: { [EXTRA.threadTs]: threadTs } } : {}),
    };
  }

  async update(message: MessageRef, reply: Reply): Promise<void> {
    const msg = this.render(reply);
    const channel = message.channelId;
    const key = `${channel}:${message.messageId}`;
    const responseUrl = message.extra?.[EXTRA.responseUrl];
    if (message.extra?.[EXTRA.ephemeral] === "1") {
      if (!responseUrl) throw new Error("an ephemeral message can only be edited through its response_url");
      await this.deps.outbox.send(
        ephemeralLane(channel),
        "response_url",
        () => this.respond(responseUrl, { replace_original: true, text: msg.text, blocks: msg.blocks }),
        key,
      );
      return;
    }
    await this.deps.outbox.send(
      channel,
      "chat.update",
      () =>
        this.deps.client.chat.update({ channel, ts: message.messageId, text: msg.text, blocks: msg.blocks }),
      key,
    );
    if (msg.overflow) this.attach(channel, message.messageId, key, msg.overflow);
  }

  /** Posts an ephemeral note through the response_url; used for refusals the dispatcher never sees. */
  async notice(conversation: ConversationRef, reply: Reply): Promise<MessageRef> {
    return this.postEphemeral(conversation, this.render({ ...reply, visibility: "ephemeral" }));
  }

  /**
   * Through the response_url while it lasts (five uses, 30 minutes); once Slack answers 404 for it, or
   * when there is none, through chat.postEphemeral to the invoking user.
   */
  private async postEphemeral(conversation: ConversationRef, msg: SlackMessage): Promise<MessageRef> {
    const channel = conversation.channelId;
    const responseUrl = conversation.extra?.[EXTRA.responseUrl];
    const userId = conversation.extra?.[EXTRA.userId];
    if (!responseUrl && !userId)
      throw new Error("an ephemeral Slack reply needs the invoking user or a response_url");
    const direct = async () => {
      const res = await this.deps.client.chat.postEphemeral({
        channel,
        user: userId!,
        text: msg.text,
        blocks: msg.blocks,
      });
      return String(res.message_ts);
    };
    const send = async (): Promise<string | undefined> => {
      if (!responseUrl) return direct();
      try {
        await this.respond(responseUrl, { response_type: "ephemeral", text: msg.text, blocks: msg.blocks });
        return undefined;
      } catch (err) {
        if (userId && err instanceof SlackHttpError && err.status === 404) return direct();
        throw err;
      }
    };
    const ts = await this.deps.outbox.send(
      ephemeralLane(channel),
      responseUrl ? "response_url" : "chat.postEphemeral",
      send,
    );
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
