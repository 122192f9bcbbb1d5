/**
 * Replay protection for signed Slack requests. The signature proves who sent a request and, with the
 * timestamp, that it is recent, but within the 5-minute window the same bytes verify again: anyone who
 * captured a request (a logging proxy, a leaked HAR file) could send it again and have a command run
 * twice. Each signature is therefore accepted once: its hash is claimed in Redis (SET NX with a TTL that
 * outlives the window) before anything runs.
 *
 * Answers to a repeated signature, as a Slack user would expect them:
 * - a Slack retry (`X-Slack-Retry-Num`) of a request already received: 200 and nothing else, so Slack
 *   stops retrying while the first delivery's answer arrives through the usual way;
 * - any other repeat: 200 with nothing run; a command's repeat gets a short ephemeral note (its sender is
 *   the only one who sees it), and the event is logged as a warning because it is not Slack's doing.
 * When Redis cannot say whether a signature is new, nothing runs (fail closed): a command is answered
 * with an ephemeral "temporarily unavailable", a click with 503 so Slack marks it as failed.
 */
import { createHash } from "node:crypto";
import { MAX_SKEW_SECONDS } from "./verify.js";

/** Remembers which deliveries were seen. Implemented on Redis in src/adapters/store/replay-guard.ts. */
export interface ReplayGuard {
  /** True the first time `key` is claimed within `ttlMs`; false for a repeat. Rejects when unsure. */
  claim(key: string, ttlMs: number): Promise<boolean>;
  /** Releases the guard's connection; the adapter calls it when it stops. */
  close(): Promise<void>;
}

/**
 * A signature verifies while its timestamp is within `MAX_SKEW_SECONDS` of the clock, in both directions,
 * so it can be seen for up to twice that long; a minute more covers clock differences between instances.
 */
export const REPLAY_TTL_MS = (2 * MAX_SKEW_SECONDS + 60) * 1000;

export const ALREADY_RECEIVED =
  "This request was already received; it is handled once. Nothing was run again.";
export const CANNOT_CHECK =
  "temporarily unavailable: the bot cannot check this request right now; nothing was run. Try again in a moment.";

/** The claim key for a signature: a hash, so the stored key says nothing about the request. */
export function replayKey(signature: string): string {
  return `slack:seen:${createHash("sha256").update(signature).digest("hex")}`;
}
