/**
 * The one request-body reader of the bot's HTTP server. Every mounted route (Slack events, webhooks) gets
 * its body from here, as the exact bytes, because signatures and HMACs are computed over the raw body.
 *
 * A body is refused by its declared `Content-Length` before a byte of it is read, and a chunked body is
 * cut off as soon as it passes the limit: reading stops there and the caller answers 413 and closes the
 * connection, so the rest of the body is never read (Node would otherwise drain it to reuse the socket).
 */
import type { IncomingMessage } from "node:http";

export type BodyOutcome =
  | { ok: true; body: Buffer }
  /** Over the limit: by its declared length (`declared`) or while streaming. Nothing more is read. */
  | { ok: false; reason: "too_large"; declared: boolean }
  /** The client went away before the body ended. */
  | { ok: false; reason: "aborted" };

/** The declared body length, or undefined when the request does not declare one (chunked or none). */
export function declaredLength(req: IncomingMessage): number | undefined {
  const raw = req.headers["content-length"];
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

/** True when the request carries a body: a non-zero length or a transfer coding (chunked). */
export function hasBody(req: IncomingMessage): boolean {
  const declared = declaredLength(req);
  if (declared !== undefined) return declared > 0;
  return req.headers["transfer-encoding"] !== undefined;
}

/** True when the declared length alone already passes `limitBytes`. */
export function declaredTooLarge(req: IncomingMessage, limitBytes: number): boolean {
  const declared = declaredLength(req);
  return declared !== undefined && declared > limitBytes;
}

/** Reads the whole body, up to `limitBytes`. Never rejects. */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<BodyOutcome> {
  if (declaredTooLarge(req, limitBytes)) {
    return Promise.resolve({ ok: false, reason: "too_large", declared: true });
  }
  if (req.complete && req.readableEnded) return Promise.resolve({ ok: true, body: Buffer.alloc(0) });
  return new Promise<BodyOutcome>((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (outcome: BodyOutcome) => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onGone);
      req.off("close", onClose);
      resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        // Stop pulling from the socket; the caller closes it after answering 413.
        req.pause();
        finish({ ok: false, reason: "too_large", declared: false });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish({ ok: true, body: Buffer.concat(chunks, size) });
    const onGone = () => finish({ ok: false, reason: "aborted" });
    const onClose = () => {
      if (!req.complete) onGone();
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onGone);
    req.on("close", onClose);
  });
}
