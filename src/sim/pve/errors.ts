import type { ErrorMap } from "./schema/validate.js";

/**
 * An error answered the way pveproxy answers it: status line reason = first message line, JSON body
 * `{data:null, message, errors?}`. Handlers throw it; the HTTP layer renders it.
 */
export class PveHttpError extends Error {
  readonly status: number;
  readonly errors: ErrorMap | undefined;

  constructor(status: number, message: string, errors?: ErrorMap) {
    super(message);
    this.name = "PveHttpError";
    this.status = status;
    this.errors = errors;
  }
}

/** `400 Parameter verification failed.` with the per-parameter map. */
export function paramError(errors: ErrorMap): PveHttpError {
  return new PveHttpError(400, "Parameter verification failed.\n", errors);
}

/** A single-parameter 400, for handler-level checks PVE reports with `raise_param_exc`. */
export function paramErrorFor(param: string, message: string): PveHttpError {
  return paramError({ [param]: message });
}

/** A handler `die "text\n"`: 500 with the text. */
export function handlerError(message: string): PveHttpError {
  return new PveHttpError(500, message.endsWith("\n") ? message : `${message}\n`);
}

/** `403 Permission check failed (path, priv)`; without details when an `or` check failed as a whole. */
export function permissionError(detail?: string): PveHttpError {
  return new PveHttpError(
    403,
    detail ? `Permission check failed (${detail})\n` : "Permission check failed\n",
  );
}

export function notImplemented(method: string, path: string): PveHttpError {
  return new PveHttpError(501, `Method '${method} ${path}' not implemented`);
}

/** Thrown inside task workers: the text becomes `TASK ERROR: <text>` and the exitstatus. */
export class TaskFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TaskFailure";
  }
}
