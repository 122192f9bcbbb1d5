/**
 * The console's memory of the messages it printed, so they can be edited (`#3 (edited)`) and their buttons
 * clicked by number. It lives only as long as the process: refs from an earlier run carry another session
 * id and are treated as unknown rather than matched to a different message with the same number.
 *
 * Limit: only the newest {@link MAX_KEPT_MESSAGES} messages are kept; older ones can no longer be edited
 * in place or clicked.
 */
import type { Reply, ReplyButton } from "../../services/vocabulary/reply.js";

export const MAX_KEPT_MESSAGES = 500;

export interface ConsoleMessage {
  /** `"3"` for `#3`. */
  id: string;
  reply: Reply;
  /** For ephemeral messages: the only user who sees them, and so the only one who may click them. */
  audience?: string;
  edits: number;
  postedAt: number;
  editedAt?: number;
}

export type ClickTarget =
  | { ok: true; message: ConsoleMessage; button: ReplyButton }
  | { ok: false; message: string };

export class MessageStore {
  private readonly messages = new Map<string, ConsoleMessage>();
  private nextId = 1;

  add(reply: Reply, at: number, audience?: string): ConsoleMessage {
    const message: ConsoleMessage = {
      id: String(this.nextId++),
      reply,
      edits: 0,
      postedAt: at,
      ...(audience !== undefined ? { audience } : {}),
    };
    this.messages.set(message.id, message);
    if (this.messages.size > MAX_KEPT_MESSAGES) {
      const oldest = this.messages.keys().next().value;
      if (oldest !== undefined) this.messages.delete(oldest);
    }
    return message;
  }

  get(id: string): ConsoleMessage | undefined {
    return this.messages.get(id);
  }

  /** Replaces the reply of a known message; undefined when it is unknown or was forgotten. */
  edit(id: string, reply: Reply, at: number): ConsoleMessage | undefined {
    const message = this.messages.get(id);
    if (!message) return undefined;
    message.reply = reply;
    message.edits += 1;
    message.editedAt = at;
    return message;
  }

  /** The newest message whose current version shows buttons. */
  latestWithButtons(): ConsoleMessage | undefined {
    const all = [...this.messages.values()];
    for (let i = all.length - 1; i >= 0; i--) {
      const message = all[i];
      if (message?.reply.buttons?.length) return message;
    }
    return undefined;
  }

  /** Finds the button a `:click` means for `user`, or says precisely why there is none. */
  resolveClick(target: { messageId?: string; button: number }, user: string): ClickTarget {
    const message =
      target.messageId === undefined ? this.latestWithButtons() : this.messages.get(target.messageId);
    if (!message) {
      return {
        ok: false,
        message:
          target.messageId === undefined
            ? "no message with buttons yet; nothing to click"
            : `no message #${target.messageId} in this session`,
      };
    }
    const buttons = message.reply.buttons ?? [];
    if (buttons.length === 0) return { ok: false, message: `message #${message.id} has no buttons` };
    if (message.audience !== undefined && message.audience !== user) {
      return { ok: false, message: `message #${message.id} was shown only to ${message.audience}` };
    }
    const button = buttons[target.button - 1];
    if (!button) {
      const range = buttons.length === 1 ? "1" : `1-${buttons.length}`;
      return {
        ok: false,
        message: `message #${message.id} has ${buttons.length} button${buttons.length === 1 ? "" : "s"}; use ${range}`,
      };
    }
    return { ok: true, message, button };
  }
}
