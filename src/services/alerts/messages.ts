/**
 * The living message: each alert group has one message per conversation its routes chose, posted once
 * (under a post key, so a restart or a second process edits it instead of posting again) and edited in
 * place as the group changes; the changes also go as a short reply in its thread (one per render, however
 * many alerts one webhook call or a burst of calls changed).
 *
 * Renders always read the group back from the store first, so whoever renders shows the newest state; in
 * this process renders of one group run one at a time, and a render that finds the group changed while it
 * edited goes round again, so an older version never stays on top of a newer one. Only when every
 * conversation is up to date is the group's dirty mark cleared; a failed post leaves it for the sweep.
 */
import type { Clock, Log, NotifierByPlatform } from "../ports.js";
import type { MessageRef } from "../vocabulary/identity.js";
import type { Reply } from "../vocabulary/reply.js";
import type { AlertGroup } from "./model.js";
import type { AlertStore, IngestResult } from "./ports.js";
import { alertGroupReply } from "./render.js";

export interface AlertMessengerDeps {
  store: AlertStore;
  notifiers: NotifierByPlatform;
  clock: Clock;
  log: Log;
  /** `alerts.labels`. */
  labels: readonly string[];
  /** Called after a group was rendered (escalation plans its next timer there). */
  rendered?(group: AlertGroup): Promise<void>;
}

/** Renders remembered per conversation, to skip an edit that would show what is already there. */
const REMEMBERED = 10_000;
/** Rounds a render goes when the group keeps changing under it; the dirty mark covers what is left. */
const ROUNDS = 3;

export class AlertMessenger {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly shown = new Map<string, number>();
  /** Per group, the refresh queued behind a running one, not started yet. */
  private readonly waiting = new Map<string, { notes: string[]; done: Promise<void> }>();

  constructor(private readonly deps: AlertMessengerDeps) {}

  /** The alert store's listener: an ingest that changed a group. */
  onChanged = async (result: IngestResult): Promise<void> => {
    if (!result.changed) return;
    await this.refresh(
      result.group.id,
      result.added.map((h) => h.text),
    );
  };

  /**
   * Brings the group's messages up to date, then posts `notes` in their threads. A refresh that finds one
   * of the same group still waiting its turn joins it: that render reads the newest group anyway, and its
   * thread reply carries both calls' notes, so a storm of calls costs one edit and one reply per turn.
   */
  refresh(id: string, notes: readonly string[] = []): Promise<void> {
    const waiting = this.waiting.get(id);
    if (waiting) {
      waiting.notes.push(...notes);
      return waiting.done;
    }
    const turn = { notes: [...notes], done: Promise.resolve() };
    this.waiting.set(id, turn);
    const previous = this.chains.get(id) ?? Promise.resolve();
    const next = previous.then(() => {
      this.waiting.delete(id);
      return this.render(id, turn.notes);
    });
    turn.done = next;
    const settled = next.catch((err) =>
      this.deps.log.error({ err, group: id }, "alert message render failed"),
    );
    this.chains.set(id, settled);
    void settled.then(() => {
      if (this.chains.get(id) === settled) this.chains.delete(id);
    });
    return next;
  }

  /**
   * Renders every group marked dirty (at start, and periodically): what a crash left unposted. All at
   * once: the outbox paces each conversation, so one after another would wait a second per message.
   */
  async sweep(limit = 1000): Promise<number> {
    const ids = await this.deps.store.dirty(limit);
    await Promise.all(ids.map((id) => this.refresh(id).catch(() => {})));
    return ids.length;
  }

  private async render(id: string, notes: readonly string[]): Promise<void> {
    let pending = notes;
    for (let round = 0; round < ROUNDS; round++) {
      const group = await this.deps.store.get(id);
      if (!group) return;
      const complete = await this.renderVersion(group, pending);
      pending = [];
      if (!complete) return;
      const now = await this.deps.store.get(id);
      if (now && now.version > group.version) continue;
      await this.deps.store.markRendered(id, group.version);
      await this.deps.rendered?.(group);
      return;
    }
  }

  /** One pass over the group's conversations; false when any of them could not be brought up to date. */
  private async renderVersion(group: AlertGroup, notes: readonly string[]): Promise<boolean> {
    const reply = alertGroupReply(group, { labels: this.deps.labels, now: this.deps.clock.now() });
    let complete = true;
    for (const target of group.messages) {
      const notifier = this.deps.notifiers[target.conversation.platform];
      const key = `alert:${group.id}:${target.conversation.platform}:${target.conversation.channelId}`;
      if (!notifier) {
        this.deps.log.warn(
          { group: group.id, platform: target.conversation.platform },
          "no chat adapter for an alert route's conversation",
        );
        continue;
      }
      try {
        if (!target.message) {
          const message = await notifier.post(target.conversation, reply, { key });
          await this.deps.store.attachMessage(group.id, { ...target, message });
          this.remember(key, group.version);
          continue;
        }
        if ((this.shown.get(key) ?? -1) < group.version) {
          await notifier.update(target.message, reply);
          this.remember(key, group.version);
        }
        const note = threadNote(notes);
        if (note)
          await threadReply(notifier, target.message, { text: note, visibility: "channel", thread: true });
      } catch (err) {
        complete = false;
        this.deps.log.warn(
          { err, group: group.id, channel: target.conversation.channelId },
          "alert message not delivered; the sweep retries",
        );
      }
    }
    return complete;
  }

  private remember(key: string, version: number): void {
    this.shown.delete(key);
    this.shown.set(key, version);
    if (this.shown.size > REMEMBERED) this.shown.delete(this.shown.keys().next().value!);
  }
}

/** Lines shown in one thread reply; more are counted, the message itself shows the whole group. */
const NOTE_LINES = 10;

/** One thread reply for the changes of one render: up to NOTE_LINES lines, then how many more. */
function threadNote(notes: readonly string[]): string | undefined {
  if (notes.length === 0) return undefined;
  const shown = notes.slice(0, NOTE_LINES);
  const more = notes.length - shown.length;
  return more > 0 ? `${shown.join("\n")}\n… and ${more} more` : shown.join("\n");
}

/** A reply in the message's thread, or next to it where the notifier has no threads. */
async function threadReply(
  notifier: NotifierByPlatform[keyof NotifierByPlatform] & object,
  message: MessageRef,
  reply: Reply,
): Promise<void> {
  if (notifier.reply) await notifier.reply(message, reply);
  else await notifier.post({ platform: message.platform, channelId: message.channelId }, reply);
}
