/**
 * The request function discord.js's REST client makes its calls with: undici's `request` (as discord.js's own
 * default, which is much lighter than fetch) over a connection pool that always verifies TLS certificates,
 * whatever the process-wide default says. Multipart bodies (attachments) arrive as the global FormData, which
 * this undici does not know; they are serialized by the global Response first.
 */
import { STATUS_CODES } from "node:http";
import { Agent, Headers, request } from "undici";

type Init = { method?: string; headers?: unknown; body?: unknown; signal?: AbortSignal | null };

export interface VerifiedRequest {
  makeRequest(url: string, init: Init): Promise<unknown>;
  close(): Promise<void>;
}

export function createVerifiedRequest(): VerifiedRequest {
  const dispatcher = new Agent({ connect: { rejectUnauthorized: true } });
  return {
    async makeRequest(url, init) {
      let body = init.body as string | Uint8Array | null | undefined;
      const headers = new Headers(init.headers as Record<string, string> | undefined);
      if (init.body instanceof FormData) {
        const encoded = new Response(init.body);
        headers.set("content-type", encoded.headers.get("content-type") ?? "multipart/form-data");
        body = new Uint8Array(await encoded.arrayBuffer());
      }
      const res = await request(url, {
        method: (init.method ?? "GET").toUpperCase() as "GET",
        headers: Object.fromEntries(headers),
        body: body ?? null,
        signal: init.signal ?? undefined,
        dispatcher,
      });
      return {
        body: res.body,
        arrayBuffer: () => res.body.arrayBuffer(),
        json: () => res.body.json(),
        text: () => res.body.text(),
        get bodyUsed() {
          return res.body.bodyUsed;
        },
        headers: new Headers(res.headers as Record<string, string>),
        status: res.statusCode,
        statusText: STATUS_CODES[res.statusCode] ?? "",
        ok: res.statusCode >= 200 && res.statusCode < 300,
      };
    },
    close: () => dispatcher.close(),
  };
}
