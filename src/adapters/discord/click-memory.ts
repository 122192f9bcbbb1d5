/**
 * What a click needs that its custom_id cannot carry, kept in this process for the buttons' lifetime: the
 * click step (confirmation or form) of each rendered button, and for an open confirmation the card whose
 * button asked for it, so the confirmed action names the card rather than the private confirmation. After a
 * restart a confirmation falls back to a generic one; a form that is forgotten answers "no longer valid".
 */
import type { ClickStep } from "./render/types.js";

export interface CardRef {
  channelId: string;
  messageId: string;
}

export class ClickMemory {
  private readonly entries = new Map<string, { value: ClickStep | CardRef; until: number }>();

  constructor(
    private readonly now: () => number,
    private readonly ttlMs: number,
    private readonly maxEntries = 20_000,
  ) {}

  rememberSteps(steps: Readonly<Record<string, ClickStep>> | undefined): void {
    for (const [customId, step] of Object.entries(steps ?? {})) this.put(`step:${customId}`, step);
  }

  step(customId: string): ClickStep | undefined {
    return this.get(`step:${customId}`) as ClickStep | undefined;
  }

  /** The card of a confirmation shown to `userId` whose confirm button is `confirmCustomId`. */
  rememberCard(confirmCustomId: string, userId: string, card: CardRef): void {
    this.put(`card:${userId}:${confirmCustomId}`, card);
  }

  card(confirmCustomId: string, userId: string): CardRef | undefined {
    return this.get(`card:${userId}:${confirmCustomId}`) as CardRef | undefined;
  }

  private put(key: string, value: ClickStep | CardRef): void {
    this.entries.delete(key);
    this.entries.set(key, { value, until: this.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  private get(key: string): ClickStep | CardRef | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until < this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }
}
