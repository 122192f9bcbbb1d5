/**
 * The Discord JSON the renderer produces: the subset of Discord's message, component and interaction
 * response objects this bot uses, as plain data (field names as on the wire). The adapter hands them to
 * discord.js as they are; the tests check them against Discord's OpenAPI spec.
 */
import type { ReplyButton, ReplyPrompt } from "../../../services/vocabulary/reply.js";

export interface EmbedField {
  name: string;
  value: string;
  inline?: boolean;
}

export interface Embed {
  title?: string;
  description?: string;
  /** 0xRRGGBB: the bar on the embed's left edge, by the reply's tone. */
  color?: number;
  fields?: EmbedField[];
  footer?: { text: string };
}

/** 1 primary (blurple), 2 secondary (grey), 3 success, 4 danger (red), 5 link (opens `url`). */
type ButtonStyle = 1 | 2 | 3 | 4 | 5;

export interface Button {
  type: 2;
  style: ButtonStyle;
  label: string;
  /** Every button but a link button. */
  custom_id?: string;
  /** Link buttons only. */
  url?: string;
}

export interface ActionRow<T> {
  type: 1;
  components: T[];
}

export interface TextInput {
  type: 4;
  custom_id: string;
  /** 1 one line, 2 paragraph. */
  style: 1 | 2;
  label: string;
  placeholder?: string;
  required: boolean;
  value?: string;
  max_length?: number;
}

export interface AllowedMentions {
  /** Always empty: `@everyone`, `@here` and names in user data never ping; only the ids listed do. */
  parse: never[];
  users?: string[];
  roles?: string[];
}

/** A file to upload with the message: the full text of a reply that did not fit. */
interface MessageFile {
  name: string;
  content: string;
}

/**
 * What a click on a button must do before it becomes an action: Discord buttons have no confirmation
 * dialog of their own and open a modal only when the bot answers the click with one, so the adapter keeps
 * these by custom id (and can tell them from the id's first character when it has not).
 */
export type ClickStep =
  | { kind: "confirm"; label: string; danger: boolean; confirm: NonNullable<ReplyButton["confirm"]> }
  | { kind: "prompt"; prompt: ReplyPrompt };

export interface DiscordMessage {
  /** Only the mentions of the reply, so the people named are notified (mentions in embeds never ping). */
  content?: string;
  embeds: Embed[];
  components: ActionRow<Button>[];
  allowed_mentions: AllowedMentions;
  /** {@link EPHEMERAL} for an ephemeral reply; only interaction responses honour it. */
  flags?: number;
  /** Not part of the JSON body: uploaded next to it (multipart) by the adapter. */
  files?: MessageFile[];
  /** Not part of the JSON body: what each confirm or prompt button's click opens, by custom id. */
  clickSteps?: Record<string, ClickStep>;
}
