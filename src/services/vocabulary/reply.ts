/**
 * The platform-neutral reply model. Commands return it; each chat adapter renders it within its
 * platform's limits (Block Kit, embeds, console text). Only plain, JSON-serializable data lives here,
 * because replies are stored (approval cards, job messages) and cross process boundaries.
 */

export type Tone = "info" | "success" | "warning" | "danger";

export interface ReplyField {
  label: string;
  value: string;
}

export interface ReplyTable {
  columns: string[];
  /**
   * Every row of the result, never cut by the service: the renderer shows the page (or what fits the
   * platform) and attaches the whole table as a file when anything was left out of the message.
   */
  rows: string[][];
  /** The page a list command was asked for (`--page`, `--limit`); absent: the renderer's own limit applies. */
  page?: ReplyPage;
  /** A note under the table that is not about cutting, e.g. "Superseded beyond keep: …". */
  footer?: string;
}

export interface ReplyPage {
  /** 1-based. */
  number: number;
  /** Rows per page. */
  limit: number;
  /** The command line that produced this table, without `--page`; the footer appends `--page N` to it. */
  command: string;
}

/** A button that opens a URL (a Grafana panel, a runbook) instead of sending a click to the bot. */
export interface ReplyLink {
  label: string;
  url: string;
}

export interface ReplyProgress {
  /** 0..1 */
  fraction: number;
  /** What is happening now, e.g. "download image (2/6)". */
  step: string;
}

export interface ReplyButton {
  /** Opaque action id carried by the button, e.g. `approval:<id>:approve`. Never carries args. */
  id: string;
  label: string;
  style?: "primary" | "danger";
  /** A confirmation dialog shown before the click is sent, for destructive buttons. */
  confirm?: { title: string; text: string; confirm: string; deny: string };
  /**
   * A small form the click opens first (Slack modal, Discord modal, console prompt): its answers arrive in
   * `ActionEvent.values` by field id. A button has either `confirm` or `prompt`, not both.
   */
  prompt?: ReplyPrompt;
}

/** A form of at most five text fields (Discord's limit), e.g. a deny reason or a custom silence. */
export interface ReplyPrompt {
  /** Short: Slack cuts modal titles at 24 characters, Discord at 45. */
  title: string;
  /** The submit button's label. */
  submit: string;
  fields: ReplyPromptField[];
}

export interface ReplyPromptField {
  /** Key of the answer in `ActionEvent.values`. */
  id: string;
  label: string;
  placeholder?: string;
  /** A paragraph box instead of one line. */
  multiline?: boolean;
  /** Default true. */
  required?: boolean;
  initial?: string;
  maxLength?: number;
}

export interface Reply {
  title?: string;
  text?: string;
  tone?: Tone;
  fields?: ReplyField[];
  table?: ReplyTable;
  code?: string;
  progress?: ReplyProgress;
  buttons?: ReplyButton[];
  /** Link buttons, rendered after the action buttons. */
  links?: ReplyLink[];
  /** One short line of context under the message (source, time, who), rendered small where the platform can. */
  context?: string;
  /** ephemeral: only the invoking user sees it (errors, help). channel: everyone in the conversation. */
  visibility?: "ephemeral" | "channel";
  /** Post into the thread of the originating message where the platform has threads. */
  thread?: boolean;
  /** Set when this reply started a job; adapters that run scripted sessions wait for it. */
  jobId?: string;
  /** Stable error code when this reply reports a refusal or failure (E_ARGS, E_FORBIDDEN, …). */
  errorCode?: string;
}

/** An ephemeral error reply with a stable code; the message must be safe to show. */
export function errorReply(code: string, message: string, extra: Partial<Reply> = {}): Reply {
  return { tone: "danger", text: message, errorCode: code, visibility: "ephemeral", ...extra };
}

export function infoReply(text: string, extra: Partial<Reply> = {}): Reply {
  return { tone: "info", text, visibility: "ephemeral", ...extra };
}
