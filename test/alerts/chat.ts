/** A notifier that keeps post keys (a keyed post happens once, later ones edit it) and thread replies. */
import type { Notifier, PostOptions } from "../../src/services/ports.js";
import type { ConversationRef, MessageRef } from "../../src/services/vocabulary/identity.js";
import type { Reply } from "../../src/services/vocabulary/reply.js";

export class ThreadedNotifier implements Notifier {
  readonly messages = new Map<string, { conversation: ConversationRef; replies: Reply[]; thread: Reply[] }>();
  readonly calls: string[] = [];
  private readonly keys = new Map<string, MessageRef>();
  private next = 1;
  /** Posts and edits fail while set (a platform outage). */
  down = false;

  async post(conversation: ConversationRef, reply: Reply, options?: PostOptions): Promise<MessageRef> {
    if (this.down) throw new Error("platform unavailable");
    const known = options?.key ? this.keys.get(options.key) : undefined;
    if (known) {
      await this.update(known, reply);
      return known;
    }
    const ref: MessageRef = {
      platform: conversation.platform,
      channelId: conversation.channelId,
      messageId: String(this.next++),
    };
    this.messages.set(ref.messageId, { conversation, replies: [reply], thread: [] });
    if (options?.key) this.keys.set(options.key, ref);
    this.calls.push(`post ${ref.messageId}`);
    return ref;
  }

  async update(message: MessageRef, reply: Reply): Promise<void> {
    if (this.down) throw new Error("platform unavailable");
    this.messages.get(message.messageId)!.replies.push(reply);
    this.calls.push(`update ${message.messageId}`);
  }

  async reply(message: MessageRef, reply: Reply): Promise<MessageRef> {
    if (this.down) throw new Error("platform unavailable");
    this.messages.get(message.messageId)!.thread.push(reply);
    this.calls.push(`reply ${message.messageId}`);
    return { ...message, messageId: `${message.messageId}.${this.next++}` };
  }

  latest(messageId: string): Reply {
    return this.messages.get(messageId)!.replies.at(-1)!;
  }

  /** Top-level messages in a channel, in posting order. */
  inChannel(channelId: string): Reply[] {
    return [...this.messages.values()]
      .filter((m) => m.conversation.channelId === channelId)
      .map((m) => m.replies.at(-1)!);
  }
}
