/**
 * Authenticating a webhook call before its body is parsed: Grafana's HMAC-SHA256 signature (bare hex of
 * the body, or of `<timestamp>:<body>` when a timestamp header is configured), a bearer token, or basic
 * auth (what Alertmanager's `http_config` and Grafana's webhook can send). Every comparison is constant
 * time over SHA-256 digests, so neither content nor length of a secret leaks through timing.
 *
 * Replays: with a timestamp header, a signature older or newer than the replay window is refused, and a
 * signature is accepted once (the caller claims `replayKey`). Without one a captured call could be sent
 * again; the store's dedupe makes that harmless for alerts already seen, and the bot warns at start.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

export type WebhookAuth =
  | { type: "hmac"; secret: string; header: string; timestampHeader?: string; replayWindow: number }
  | { type: "bearer"; token: string }
  | { type: "basic"; username: string; password: string }
  | { type: "none" };

export type AuthVerdict =
  /** `replayKey`: claim it once within `replayTtlMs` (signed timestamps only). */
  | { ok: true; replayKey?: string; replayTtlMs?: number }
  | { ok: false; reason: "missing" | "invalid" | "stale"; message: string };

function digest(value: string | Buffer): Buffer {
  return createHash("sha256").update(value).digest();
}

/** Constant-time equality of two strings of any length. */
function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

function verifyHmac(
  auth: Extract<WebhookAuth, { type: "hmac" }>,
  headers: IncomingHttpHeaders,
  body: Buffer,
  now: number,
): AuthVerdict {
  const signature = header(headers, auth.header)?.trim();
  if (!signature) return { ok: false, reason: "missing", message: `the ${auth.header} header is missing` };
  const mac = createHmac("sha256", auth.secret);
  let timestamp: number | undefined;
  if (auth.timestampHeader) {
    const raw = header(headers, auth.timestampHeader)?.trim();
    if (!raw)
      return { ok: false, reason: "missing", message: `the ${auth.timestampHeader} header is missing` };
    if (!/^\d{1,12}$/.test(raw)) {
      return { ok: false, reason: "invalid", message: `${auth.timestampHeader} must be Unix seconds` };
    }
    timestamp = Number(raw);
    mac.update(`${raw}:`);
  }
  mac.update(body);
  const expected = mac.digest("hex");
  if (!/^[0-9a-fA-F]{64}$/.test(signature) || !sameSecret(signature.toLowerCase(), expected)) {
    return { ok: false, reason: "invalid", message: "the signature does not match the body" };
  }
  if (timestamp === undefined) return { ok: true };
  if (Math.abs(now - timestamp * 1000) > auth.replayWindow) {
    return {
      ok: false,
      reason: "stale",
      message: `the signed timestamp is more than ${Math.round(auth.replayWindow / 1000)} s from now`,
    };
  }
  return {
    ok: true,
    replayKey: createHash("sha256").update(expected).digest("hex"),
    replayTtlMs: 2 * auth.replayWindow + 60_000,
  };
}

function verifyBasic(auth: Extract<WebhookAuth, { type: "basic" }>, value: string | undefined): AuthVerdict {
  const m = value ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(value) : null;
  if (!m) return { ok: false, reason: "missing", message: "basic credentials are required" };
  const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  const user = colon < 0 ? decoded : decoded.slice(0, colon);
  const password = colon < 0 ? "" : decoded.slice(colon + 1);
  // Both compared every time, so a right user name with a wrong password takes as long as anything else.
  const userOk = sameSecret(user, auth.username);
  const passwordOk = sameSecret(password, auth.password);
  return userOk && passwordOk
    ? { ok: true }
    : { ok: false, reason: "invalid", message: "the credentials are not accepted" };
}

export function verifyWebhookAuth(
  auth: WebhookAuth,
  headers: IncomingHttpHeaders,
  body: Buffer,
  now: number,
): AuthVerdict {
  switch (auth.type) {
    case "none":
      return { ok: true };
    case "hmac":
      return verifyHmac(auth, headers, body, now);
    case "bearer": {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header(headers, "authorization") ?? "");
      if (!m) return { ok: false, reason: "missing", message: "a bearer token is required" };
      return sameSecret(m[1]!, auth.token)
        ? { ok: true }
        : { ok: false, reason: "invalid", message: "the token is not accepted" };
    }
    case "basic":
      return verifyBasic(auth, header(headers, "authorization"));
  }
}

/** The `WWW-Authenticate` challenge a 401 carries, so a client knows what to send. */
export function challengeOf(auth: WebhookAuth): Record<string, string> {
  if (auth.type === "bearer") return { "WWW-Authenticate": 'Bearer realm="alerts"' };
  if (auth.type === "basic") return { "WWW-Authenticate": 'Basic realm="alerts", charset="UTF-8"' };
  return {};
}
