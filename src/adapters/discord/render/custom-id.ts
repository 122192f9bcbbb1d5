/**
 * A Discord button carries one string back, its `custom_id` (at most 100 characters), where Slack has an
 * action id and a value. The signed pair from the shared ButtonSigner travels in it as
 * `<step><action id>|<value>`: the value (`v1.<issued>.<mac>[.<id>]`) never holds a `|`, so the last one
 * splits them. The first character says what the click opens first: `.` nothing, `?` a confirmation,
 * `!` a form. A long or repeated button id travels inside the value, and `#<n>` keeps the custom ids of one
 * message distinct.
 */
import type { ButtonCapacity, ButtonSigner } from "../../chat-kit/button-signer.js";
import { LIMITS } from "./limits.js";

export type StepMark = "none" | "confirm" | "prompt";

const MARK: Record<StepMark, string> = { none: ".", confirm: "?", prompt: "!" };
const VALUE_SIZE = 36; // v1.<10 digits>.<22 characters of MAC>
const INDEX_SIZE = 3; // #<n> for n < 100

/** What fits in a custom id: an action id up to 62 characters is carried as it is. */
export const DISCORD_BUTTONS: ButtonCapacity = {
  platform: "Discord",
  idLength: LIMITS.customId - 2 - VALUE_SIZE,
  valueLength: LIMITS.customId - 2 - INDEX_SIZE,
};

/** Signs `id` and packs it into one custom id; `taken` holds the ids already used in the message. */
export function signedCustomId(signer: ButtonSigner, id: string, step: StepMark, taken: Set<string>): string {
  const signed = signer.sign(id, taken);
  const carried = signed.value.split(".").length === 4;
  const head = carried ? `#${taken.size}` : signed.actionId;
  taken.add(carried ? signed.actionId : id);
  const customId = `${MARK[step]}${head}|${signed.value}`;
  if (customId.length > LIMITS.customId) {
    throw new RangeError(`button id "${id.slice(0, 40)}…" does not fit Discord's 100-character custom_id`);
  }
  return customId;
}

export interface ParsedCustomId {
  step: StepMark;
  /** For ButtonSigner.check together with `value`. */
  actionId: string;
  value: string;
}

/** The parts of a custom id this renderer made; undefined for anything else. */
export function parseCustomId(customId: string): ParsedCustomId | undefined {
  const step = (Object.keys(MARK) as StepMark[]).find((k) => MARK[k] === customId[0]);
  const bar = customId.lastIndexOf("|");
  if (!step || bar < 1) return undefined;
  return { step, actionId: customId.slice(1, bar), value: customId.slice(bar + 1) };
}

/** The same custom id without its step mark: what the confirm button of a confirmation carries. */
export function withoutStep(customId: string): string {
  return `${MARK.none}${customId.slice(1)}`;
}
