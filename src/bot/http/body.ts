/**
 * Reads a request body into memory with a size cap, for handlers that must see the exact bytes (Slack
 * signatures and webhook HMACs are computed over the raw body).
 */
import type { IncomingMessage } from "node:http";

export class BodyTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`request body is larger than ${limitBytes} bytes`);
    this.name = "BodyTooLargeError";
  }
}

/**
 * Resolves with the whole body. Rejects with `BodyTooLargeError` as soon as the cap is passed (checked
 * against Content-Length first, then while streaming), and with the socket error if the client goes away.
 */
export function readRawBody(req: IncomingMessage, limitBytes = 1024 * 1024): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limitBytes) {
      req.resume();
      reject(new BodyTooLargeError(limitBytes));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      reject(err);
    };
    req.on("data", (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > limitBytes) {
        fail(new BodyTooLargeError(limitBytes));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks, size));
    });
    const gone = (cause?: unknown) =>
      fail(new Error("client closed the connection before the body ended", { cause }));
    req.on("error", (err) => (req.complete ? fail(err) : gone(err)));
    req.on("close", () => {
      if (!req.complete) gone();
    });
  });
}
