import type { IncomingMessage, ServerResponse } from "node:http";

/** pve-http-server `Formatter/Standard.pm`: clients such as proxmox-api compare this string exactly. */
export const JSON_CONTENT_TYPE = "application/json;charset=UTF-8";
const MAX_BODY_BYTES = 1024 * 1024;

export class BodyTooLarge extends Error {}

/** Reads the body; an oversized one is drained (not stored) so the client still gets the 413. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk as Buffer);
  }
  if (size > MAX_BODY_BYTES) throw new BodyTooLarge("request entity too large");
  return Buffer.concat(chunks);
}

function decodeComponent(text: string): string {
  const plus = text.replace(/\+/g, " ");
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
  }
}

/** `application/x-www-form-urlencoded` with PVE's rules: `+` is a space, repeated keys become arrays. */
export function parseForm(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const pair of text.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const key = decodeComponent(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? "" : decodeComponent(pair.slice(eq + 1));
    const prev = out[key];
    if (prev === undefined) out[key] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else out[key] = [prev, value];
  }
  return out;
}

export class MalformedBody extends Error {}

/** Parses a request body as JSON (when declared) or as a form, like pve-http-server `AnyEvent.pm`. */
export function parseBody(raw: Buffer, contentType: string | undefined): Record<string, unknown> {
  if (raw.length === 0) return {};
  const text = raw.toString("utf8");
  if (/^application\/json/i.test(contentType ?? "")) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new MalformedBody(`unable to parse JSON body - ${(e as Error).message}`);
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new MalformedBody("JSON body must be an object");
    }
    return value as Record<string, unknown>;
  }
  if (/^multipart\//i.test(contentType ?? ""))
    throw new MalformedBody("multipart bodies are not supported here");
  return parseForm(text);
}

/** The status-line reason: the first line of the message, reduced to characters HTTP allows. */
export function reasonPhrase(message: string): string {
  const first = message.split("\n")[0] ?? "";
  const clean = first.replace(/[^\x20-\x7e]/g, "?").trim();
  return clean.length > 0 ? clean : "Error";
}

function commonHeaders(res: ServerResponse): void {
  res.setHeader("Server", "pve-api-daemon/3.0");
  res.setHeader("Cache-Control", "max-age=0");
  res.setHeader("Pragma", "no-cache");
  res.setHeader("Expires", new Date().toUTCString());
}

export function sendJson(res: ServerResponse, status: number, reason: string, body: unknown): void {
  const payload = Buffer.from(JSON.stringify(body), "utf8");
  commonHeaders(res);
  res.setHeader("Content-Type", JSON_CONTENT_TYPE);
  res.setHeader("Content-Length", payload.length);
  res.writeHead(status, reasonPhrase(reason));
  res.end(payload);
}

/** 401s carry no body and no Content-Type (pve-http-server AnyEvent.pm). */
export function sendUnauthorized(res: ServerResponse, reason: string): void {
  commonHeaders(res);
  res.setHeader("Content-Length", 0);
  res.writeHead(401, reasonPhrase(reason));
  res.end();
}
