/**
 * Raw failures of the Proxmox transport, before they are turned into chat-safe `ProxmoxError`s. None of
 * them ever holds a header, a request body or the token: only the method, the path and what came back.
 */

/**
 * PVE answered with a non-2xx status. `message` is PVE's own text: the body's `message`, or the status
 * line for servers before pve-http-server 5.2. `errors` holds per-parameter messages of a 400.
 */
export class PveApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    message: string,
    readonly errors: Record<string, string>,
  ) {
    super(message);
    this.name = "PveApiError";
  }
}

export type NetworkFailure =
  /** No answer within the whole-request timeout. */
  | "timeout"
  /** Could not connect, or the connection broke. */
  | "connect"
  /** The certificate was refused: unknown CA, wrong pin, wrong host name, expired. */
  | "tls"
  /** An answer that is not PVE's JSON (wrong Content-Type, unparsable body). */
  | "protocol";

export class PveNetworkError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly failure: NetworkFailure,
    /** Node's error code (ECONNREFUSED, DEPTH_ZERO_SELF_SIGNED_CERT, …) or our own. */
    readonly code: string,
    /** What went wrong, without the method and path. */
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${method} ${path}: ${failure} (${code}): ${detail}`, options);
    this.name = "PveNetworkError";
  }
}

/** Certificate problems as reported by Node/OpenSSL, plus the pin check's own code. */
const TLS_CODES = new Set([
  "E_PVE_PIN_MISMATCH",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_SIGNATURE_FAILURE",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "ERR_SSL_WRONG_VERSION_NUMBER",
]);

export function isTlsCode(code: string): boolean {
  return TLS_CODES.has(code) || code.startsWith("ERR_SSL_") || code.startsWith("ERR_TLS_");
}
