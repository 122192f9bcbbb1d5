/**
 * Slack request signing, v0: `v0=` + hex(HMAC-SHA256(signing secret, `v0:<timestamp>:<raw body>`)).
 * Unlike Bolt's verifier, a timestamp too far in the future is refused as well as a stale one, so a leaked
 * request cannot be pre-dated for later replay. The clock is injected so tests can use Slack's own vector.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Clock } from "../../services/ports.js";

/** Slack's replay window. */
export const MAX_SKEW_SECONDS = 300;

export type VerifyResult =
  | { ok: true }
  | { ok: false; reason: "missing-headers" | "bad-timestamp" | "stale" | "bad-version" | "mismatch" };

export interface SignedHeaders {
  signature: string | undefined;
  timestamp: string | undefined;
}

export function computeSignature(
  signingSecret: string,
  timestampSec: number | string,
  rawBody: string,
): string {
  const mac = createHmac("sha256", signingSecret).update(`v0:${timestampSec}:${rawBody}`).digest("hex");
  return `v0=${mac}`;
}

export function verifySlackSignature(
  signingSecret: string,
  headers: SignedHeaders,
  rawBody: string,
  clock: Clock,
): VerifyResult {
  const { signature, timestamp } = headers;
  if (!signature || !timestamp) return { ok: false, reason: "missing-headers" };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "bad-timestamp" };
  const nowSec = Math.floor(clock.now() / 1000);
  if (Math.abs(nowSec - Number(timestamp)) > MAX_SKEW_SECONDS) return { ok: false, reason: "stale" };
  if (!signature.startsWith("v0=")) return { ok: false, reason: "bad-version" };
  const expected = Buffer.from(computeSignature(signingSecret, timestamp, rawBody));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: "mismatch" };
  }
  return { ok: true };
}
