/**
 * Terminal text hygiene and colour. Replies carry text from outside (task logs, VM names), so control
 * sequences are removed before printing; colour is added by the renderer only, and only where the
 * terminal wants it (NO_COLOR, FORCE_COLOR, a TTY that is not `dumb`).
 */
import type { Tone } from "../../services/vocabulary/reply.js";

const ANSI = {
  bold: "\u001b[1m",
  dim: "\u001b[2m",
  red: "\u001b[31m",
  green: "\u001b[32m",
  yellow: "\u001b[33m",
  cyan: "\u001b[36m",
  reset: "\u001b[0m",
} as const;
export type Style = Exclude<keyof typeof ANSI, "reset">;

export const TONE_COLORS: Record<Tone, Style> = {
  success: "green",
  danger: "red",
  warning: "yellow",
  info: "cyan",
};

export type Paint = (text: string, ...styles: Style[]) => string;

export function painter(color: boolean): Paint {
  if (!color) return (text) => text;
  return (text, ...styles) =>
    text === "" ? text : `${styles.map((s) => ANSI[s]).join("")}${text}${ANSI.reset}`;
}

/**
 * Whether to colour output, by the conventions terminals and CLIs share: NO_COLOR (any value) turns it
 * off (no-color.org); FORCE_COLOR turns it on, or off when `0` or `false`; otherwise colour at a TTY whose
 * TERM is not `dumb`.
 */
export function colorWanted(env: Readonly<Record<string, string | undefined>>, isTTY: boolean): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !(force === "0" || force.toLowerCase() === "false");
  return isTTY && env.TERM !== "dumb";
}

const ESC = 0x1b;
const BEL = 0x07;

/**
 * Removes terminal control sequences (CSI such as colours and cursor moves, OSC such as window titles) and
 * control characters except newlines; tabs become two spaces so alignment stays predictable.
 */
export function sanitize(text: string): string {
  let out = "";
  const s = text.replace(/\r\n?/g, "\n").replace(/\t/g, "  ");
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code === ESC) {
      i = skipEscape(s, i);
      continue;
    }
    if (code === 10 || !isControl(code)) out += s[i];
  }
  return out;
}

function isControl(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

/** Index of the last character of the escape sequence starting at `at`. */
function skipEscape(s: string, at: number): number {
  const kind = s[at + 1];
  if (kind === "[") {
    let i = at + 2;
    while (i < s.length && !/[@-~]/.test(s[i] ?? "")) i++;
    return i;
  }
  if (kind === "]") {
    let i = at + 2;
    while (i < s.length && s.charCodeAt(i) !== BEL && !(s.charCodeAt(i) === ESC && s[i + 1] === "\\")) i++;
    return s.charCodeAt(i) === ESC ? i + 1 : i;
  }
  return kind === undefined ? at : at + 1;
}
