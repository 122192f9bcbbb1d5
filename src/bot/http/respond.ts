/**
 * Small response helpers shared by the built-in endpoints and available to mounted routes. They never
 * throw: a response that has already started is left alone.
 */
import type { ServerResponse } from "node:http";

/** Sends `body` as JSON with `Cache-Control: no-store`; a HEAD request gets the headers only. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  sendText(res, status, `${JSON.stringify(body)}\n`, "application/json; charset=utf-8", headers);
}

export function sendText(
  res: ServerResponse,
  status: number,
  text: string,
  contentType: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.writableEnded) return;
  const payload = Buffer.from(text, "utf8");
  res.writeHead(status, {
    "Content-Type": contentType,
    "Content-Length": String(payload.length),
    "Cache-Control": "no-store",
    ...headers,
  });
  res.end(res.req?.method === "HEAD" ? undefined : payload);
}

/** The error body every endpoint uses: `{"error": "<code>", "message": "<human text>"}`. */
export function sendError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error: code, message }, headers);
}
