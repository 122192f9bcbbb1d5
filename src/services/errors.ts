/**
 * Errors that may reach a user carry a stable code and a message that is safe to show. Anything else is
 * unexpected: it is answered with "internal error, ref <requestId>" and logged with its stack.
 */
export type ErrorCode =
  | "E_ARGS"
  | "E_UNKNOWN_COMMAND"
  | "E_FORBIDDEN"
  | "E_CHANNEL"
  | "E_APPROVAL_NOT_FOUND"
  | "E_APPROVAL_EXPIRED"
  | "E_APPROVAL_DECIDED"
  | "E_APPROVAL_DUPLICATE"
  | "E_SELF_APPROVAL"
  | "E_APPROVAL_CHANGED"
  | "E_UNKNOWN_ACTION"
  | "E_NOT_FOUND"
  | "E_UNAVAILABLE"
  | "E_CONFIG"
  | "E_PVE"
  | "E_PVE_LOCKED"
  | "E_PVE_PERMISSION"
  | "E_PVE_UNREACHABLE"
  | "E_PVE_TLS"
  | "E_JOB"
  | "E_INTERNAL";

export class UserError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "UserError";
  }
}

/**
 * Marks a failure worth retrying (network blip, PVE 5xx on a GET, lock held briefly). Job runners retry
 * these with backoff; everything else fails the job at once.
 */
export class TransientError extends Error {
  readonly transient = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TransientError";
  }
}

export function isTransient(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { transient?: unknown }).transient === true;
}

/** The backing store (Redis) is not answering; commands answer "temporarily unavailable". */
export class UnavailableError extends UserError {
  constructor(what = "the bot's database") {
    super("E_UNAVAILABLE", `temporarily unavailable: ${what} is not answering; try again in a moment`);
    this.name = "UnavailableError";
  }
}
