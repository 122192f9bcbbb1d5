/** Telling "Redis is not reachable right now" apart from every other Redis error. */
import { UnavailableError } from "../../services/errors.js";

/** Error codes from the socket layer that mean "Redis is not reachable right now". */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
]);

const UNAVAILABLE_MESSAGES = [
  "Stream isn't writeable",
  "Connection is closed",
  "Command timed out",
  "Reached the max retries per request limit",
  "LOADING",
  "connect ETIMEDOUT",
];

/** Maps a connection-level failure to `UnavailableError`; anything else (a script bug, WRONGTYPE) is not. */
export function whenUnavailable(err: unknown): UnavailableError | undefined {
  if (err instanceof UnavailableError) return err;
  if (!(err instanceof Error)) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && NETWORK_CODES.has(code)) return new UnavailableError();
  if (err.name === "MaxRetriesPerRequestError") return new UnavailableError();
  if (UNAVAILABLE_MESSAGES.some((m) => err.message.startsWith(m))) return new UnavailableError();
  return undefined;
}
