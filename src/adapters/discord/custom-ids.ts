/**
 * Discord gives a button one string, its custom_id (at most 100 characters), so the signed button value of
 * chat-kit's ButtonSigner travels inside it: `<kind><id>|v1.<issued>.<mac>`. The kind is signed with the id,
 * so a client cannot strip a confirmation step or a form: `c!` asks to confirm first, `p!` opens a form
 * (modal), `k!` is the Confirm of a confirmation step, `x!` its Cancel, `o!` an opaque token that stands for an
 * id too long to carry. What a confirmation or a form shows, and opaque ids, are kept by the adapter
 * (`ButtonMemory`) for the buttons' lifetime.
 */
import { randomBytes } from "node:crypto";
import type { ReplyButton, ReplyPrompt } from "../../services/vocabulary/reply.js";
import type { ButtonCapacity, ButtonSigner } from "../chat-kit/button-signer.js";

export const CUSTOM_ID_MAX = 100;
/** `v1.` + 10-digit second + `.` + 22-character MAC, and the `|` before it. */
const SIGNATURE_LENGTH = 37;
/** What a signed id may take of the custom_id. */
const ID_ROOM = CUSTOM_ID_MAX - SIGNATURE_LENGTH;

export const DISCORD_BUTTONS: ButtonCapacity = {
  platform: "discord",
  idLength: ID_ROOM,
  valueLength: SIGNATURE_LENGTH - 1,
};

export type ButtonKind = "plain" | "confirm" | "prompt" | "confirmed" | "cancel";

const PREFIX: Record<Exclude<ButtonKind, "plain">, string> = {
  confirm: "c!",
  prompt: "p!",
  confirmed: "k!",
  cancel: "x!",
};
const OPAQUE = "o!";

export type CustomIdCheck =
  | { ok: true; kind: ButtonKind; id: string }
  | { ok: false; reason: "forged" | "stale" };

/** What a click needs that the custom_id cannot carry; forgotten after the buttons' lifetime. */
export interface ButtonMemory {
  remember(key: string, value: RememberedButton): void;
  recall(key: string): RememberedButton | undefined;
}

export interface RememberedButton {
  /** The button id an opaque token stands for. */
  id?: string;
  confirm?: NonNullable<ReplyButton["confirm"]>;
  prompt?: ReplyPrompt;
  /** For a confirmation step: the card whose button asked for it. */
  card?: { channelId: string; messageId: string };
}

export class CustomIds {
  constructor(
    private readonly signer: ButtonSigner,
    private readonly memory: ButtonMemory,
  ) {}

  /** The custom_id of a button: its kind follows from `confirm` / `prompt` (danger buttons confirm too). */
  forButton(button: ReplyButton, taken: ReadonlySet<string>): string {
    const kind: ButtonKind = button.prompt
      ? "prompt"
      : button.confirm || button.style === "danger"
        ? "confirm"
        : "plain";
    const customId = this.make(kind, button.id, taken);
    if (kind !== "plain") {
      const confirm = button.confirm ?? {
        title: "Are you sure?",
        text: `${button.label}: this cannot be undone.`,
        confirm: button.label,
        deny: "Cancel",
      };
      this.memory.remember(memoryKey(customId), kind === "prompt" ? { prompt: button.prompt! } : { confirm });
    }
    return customId;
  }

  /** A signed id of `kind` for `id`; an opaque token when the id is too long to carry. */
  make(kind: ButtonKind, id: string, taken: ReadonlySet<string> = new Set()): string {
    const prefix = kind === "plain" ? "" : PREFIX[kind];
    let carried = `${prefix}${id}`;
    if (carried.length > ID_ROOM || taken.has(carried)) {
      const token = randomBytes(12).toString("base64url");
      this.memory.remember(`opaque:${token}`, { id });
      carried = `${prefix}${OPAQUE}${token}`;
    }
    const { value } = this.signer.sign(carried, new Set());
    return `${carried}|${value}`;
  }

  check(customId: string): CustomIdCheck {
    const bar = customId.lastIndexOf("|");
    if (bar < 0) return { ok: false, reason: "forged" };
    const carried = customId.slice(0, bar);
    const verdict = this.signer.check(carried, customId.slice(bar + 1));
    if (!verdict.ok) return { ok: false, reason: verdict.reason === "stale" ? "stale" : "forged" };
    let kind: ButtonKind = "plain";
    let rest = carried;
    for (const [k, p] of Object.entries(PREFIX) as [Exclude<ButtonKind, "plain">, string][]) {
      if (rest.startsWith(p)) {
        kind = k;
        rest = rest.slice(p.length);
        break;
      }
    }
    if (rest.startsWith(OPAQUE)) {
      const id = this.memory.recall(`opaque:${rest.slice(OPAQUE.length)}`)?.id;
      // Signed by this bot but forgotten (a restart): too old to act on.
      if (id === undefined) return { ok: false, reason: "stale" };
      rest = id;
    }
    return { ok: true, kind, id: rest };
  }
}

/** Confirmation texts and forms are kept under the button's signature, unique per rendered button. */
export function memoryKey(customId: string): string {
  return `button:${customId}`;
}

/** The button id a custom_id carries, unverified: for tests and logs that show which button it was. */
export function carriedId(customId: string): string {
  const carried = customId.slice(0, Math.max(0, customId.lastIndexOf("|")));
  return carried.replace(/^[ckpx]!/, "");
}

/** Button memory in this process, bounded, each entry kept for `ttlMs`. */
export class LocalButtonMemory implements ButtonMemory {
  private readonly entries = new Map<string, { value: RememberedButton; until: number }>();

  constructor(
    private readonly now: () => number,
    private readonly ttlMs: number,
    private readonly maxEntries = 20_000,
  ) {}

  remember(key: string, value: RememberedButton): void {
    this.entries.delete(key);
    this.entries.set(key, { value, until: this.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  recall(key: string): RememberedButton | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until < this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }
}
