import type { ButtonCapacity } from "../chat-kit/button-signer.js";

export { cut } from "../chat-kit/cut.js";

/**
 * Slack's documented Block Kit limits (python-slack-sdk validators and the Block Kit reference), plus one
 * budget of our own: the sum of block texts is kept under `totalText`, because Slack answers
 * `msg_blocks_too_long` well below 50 × 3000 characters.
 */
export const LIMITS = {
  blocks: 50,
  text: 3000,
  fieldsPerSection: 10,
  fieldText: 2000,
  header: 150,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  actionsPerBlock: 25,
  contextElements: 10,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  totalText: 12_000,
  fallbackText: 3000,
} as const;

/** Escapes the three characters Slack's mrkdwn treats as control syntax, so user data cannot ping or link. */
export function escapeMrkdwn(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/**
 * Splits lines into groups whose joined length (with newlines) stays within `max`. A single line longer
 * than `max` is split hard, so every group fits.
 */
export function chunkLines(lines: readonly string[], max: number): string[][] {
  const groups: string[][] = [];
  let current: string[] = [];
  let size = 0;
  const flush = () => {
    if (current.length > 0) groups.push(current);
    current = [];
    size = 0;
  };
  for (const whole of lines) {
    const pieces: string[] = [];
    for (let i = 0; i < Math.max(whole.length, 1); i += max) pieces.push(whole.slice(i, i + max));
    for (const line of pieces) {
      const added = (current.length > 0 ? 1 : 0) + line.length;
      if (size + added > max) flush();
      size += (current.length > 0 ? 1 : 0) + line.length;
      current.push(line);
    }
  }
  flush();
  return groups;
}

/** What a Block Kit button carries, for the shared button signer. */
export const SLACK_BUTTONS: ButtonCapacity = {
  platform: "Slack",
  idLength: LIMITS.actionId,
  valueLength: LIMITS.buttonValue,
};
