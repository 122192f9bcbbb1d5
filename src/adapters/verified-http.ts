/**
 * Outbound HTTPS and WebSocket connections for the adapters whose libraries speak fetch (Slack's Web API
 * client and Socket Mode, response_url posts, checksum files). Node's global fetch takes its certificate
 * check from Node's process-wide default, which one environment variable turns off; these dispatchers say
 * `rejectUnauthorized: true` themselves, so nothing outside the code can switch verification off.
 * Trusted roots stay Node's defaults (the bundled store plus NODE_EXTRA_CA_CERTS, which only adds CAs).
 */
import type { Socket } from "node:net";
import { Agent, buildConnector, FormData as UndiciFormData, fetch as undiciFetch } from "undici";

/** Every TLS connection option set here carries this. */
const VERIFY = { rejectUnauthorized: true } as const;

export interface VerifiedFetch {
  fetch: typeof globalThis.fetch;
  /** Closes pooled connections once their requests finish. */
  close(): Promise<void>;
}

/**
 * A fetch over its own verifying connection pool. Takes a URL (string or URL object) only: a Request
 * object built by the global fetch's classes would carry method and headers that undici's fetch cannot
 * read, so it is refused rather than half-sent.
 */
export function createVerifiedFetch(): VerifiedFetch {
  const dispatcher = new Agent({ connect: VERIFY });
  const verifiedFetch = (input: unknown, init?: RequestInit) => {
    if (typeof input !== "string" && !(input instanceof URL)) {
      return Promise.reject(new TypeError("verified fetch takes a URL string or URL object"));
    }
    const body = init?.body instanceof FormData ? copyForm(init.body) : init?.body;
    return undiciFetch(input, { ...(init as object), body, dispatcher } as Parameters<typeof undiciFetch>[1]);
  };
  return {
    fetch: verifiedFetch as unknown as typeof globalThis.fetch,
    close: () => dispatcher.close(),
  };
}

/**
 * The global FormData class comes from the undici bundled with Node, which this fetch does not recognise
 * (it would send "[object FormData]"); its entries (strings, Blobs, Files) are Node's own and carry over.
 */
function copyForm(form: FormData): UndiciFormData {
  const copy = new UndiciFormData();
  for (const [key, value] of form.entries()) {
    if (typeof value === "string") copy.append(key, value);
    else copy.append(key, value, value.name);
  }
  return copy;
}

export interface VerifiedWebSocketDispatcher {
  /** For undici's WebSocket (Slack Socket Mode's `dispatcher` option). */
  dispatcher: Agent;
  /**
   * Destroys the sockets it opened. Socket Mode's own default dispatcher force-destroys its socket when a
   * connection is cleaned up (a peer that never finishes the close handshake); a custom dispatcher must
   * do that itself, or each such reconnect would leave a socket open.
   */
  destroySockets(): void;
}

/** HTTP/1.1 only, as Socket Mode needs a dedicated socket per WebSocket. */
export function createVerifiedWebSocketDispatcher(): VerifiedWebSocketDispatcher {
  const sockets = new Set<Socket>();
  const connect = buildConnector({ ...VERIFY, allowH2: false });
  const dispatcher = new Agent({
    connect: (options, callback) => {
      connect(options, (err, socket) => {
        if (socket) {
          sockets.add(socket);
          socket.once("close", () => sockets.delete(socket));
        }
        // The connector's callback is typed as two overloads; forward exactly what it was given.
        (callback as (e: Error | null, s: Socket | null) => void)(err, socket);
      });
    },
  });
  return {
    dispatcher,
    destroySockets: () => {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
  };
}
