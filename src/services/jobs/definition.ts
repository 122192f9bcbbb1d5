/**
 * Platform-neutral job definitions: a job is a named list of steps plus an optional cleanup. Definitions
 * know nothing about BullMQ or chat platforms; the runner drives them and the queue adapter persists
 * their position and state between attempts, so a retry or a restarted worker resumes after the last
 * completed step instead of starting over.
 */

import type { z } from "zod";
import { UserError } from "../errors.js";
import type { Log } from "../ports.js";
import type { Actor } from "../vocabulary/identity.js";
import type { ReplyField } from "../vocabulary/reply.js";

/** JSON-serializable values: job state is stored in Redis between steps and attempts. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface JobRunContext<D> {
  jobId: string;
  data: D;
  /** Who started the job; a job that needs a follow-up decision asks it on their behalf. */
  requestedBy: Actor;
  /** 1 for the first try; grows with each retry after a transient failure. */
  attempt: number;
  /**
   * Survives steps, retries and worker restarts once saved. Steps record what they created here (a VMID,
   * a snapshot name) so a later attempt can skip work and `cleanup` knows what to undo. Only JSON values
   * survive; mutate it and call `save()` before a long or risky operation.
   */
  state: JsonObject;
  /** Persists `state` now. The runner also saves after every completed step and on failure. */
  save(): Promise<void>;
  /** Reports progress within the current step, 0..1; the card edit is throttled, so call it freely. */
  progress(fractionWithinStep: number, label?: string): void;
  /** Aborted when someone cancels the job; long steps pass it to fetches and polling loops. */
  signal: AbortSignal;
  log: Log;
}

export interface JobStep<D> {
  /** Stable identifier; appears in logs and audit details. */
  name: string;
  /** Shown to users: "step 2/5: download image". */
  label: string;
  /**
   * Does the work. A step interrupted by a killed worker runs again on the next attempt, so a step must
   * tolerate finding its own earlier partial work (look in `ctx.state`).
   */
  run(ctx: JobRunContext<D>): Promise<void>;
}

export interface JobDefinition<D = unknown> {
  /** Identifier used when starting a job, e.g. `template.build`. */
  type: string;
  /**
   * Validates raw data (from the command or read back from Redis) and returns it typed. Throwing a
   * UserError with code E_ARGS rejects the start before anything is posted or queued.
   */
  parse?(raw: unknown): D;
  /** The card title, e.g. "Build template ubuntu-24.04 on pve1". */
  title(data: D): string;
  steps: ReadonlyArray<JobStep<D>>;
  /**
   * Undoes what the job created, using `ctx.state`. Runs after a final failure or a cancel, and may run
   * more than once (a worker can die mid-cleanup), so it must be idempotent. May return short
   * descriptions of what it removed ("VM 9001", "volume local:iso/x.img") for the final card.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: lets a cleanup with nothing to report be a plain async function
  cleanup?(ctx: JobRunContext<D>): Promise<void | string[]>;
  /** Fields for the completed card (template VMID, image checksum, …). */
  summary?(ctx: JobRunContext<D>): ReplyField[];
}

/**
 * A job type together with the data it takes. Commands start jobs through it (`startJob`) and definitions
 * are declared against it (`defineJob`), so the data a command hands over is checked against what the
 * job's steps read, with no cast at either end. The job still parses its data again when it runs: the
 * data crosses Redis and may come from an older release.
 */
export interface JobKind<D> {
  readonly type: string;
  /** Never set; ties `D` to the kind for the compiler (a parameter position keeps `D` exact). */
  readonly dataType?: (data: D) => void;
}

export function jobKind<D>(type: string): JobKind<D> {
  return { type };
}

/** A definition of `kind`'s job: its `type` comes from the kind, so the two cannot drift apart. */
export function defineJob<D>(kind: JobKind<D>, definition: Omit<JobDefinition<D>, "type">): JobDefinition<D> {
  return { type: kind.type, ...definition };
}

/** The explicit set of job types a process can start or run; no loading from the filesystem. */
export interface JobRegistry {
  get(type: string): JobDefinition | undefined;
  types(): string[];
}

/**
 * Builds a registry from an explicit list. Duplicate types and definitions without steps are programming
 * errors and fail at start.
 */
export function createJobRegistry(definitions: ReadonlyArray<JobDefinition>): JobRegistry {
  const byType = new Map<string, JobDefinition>();
  for (const definition of definitions) {
    if (byType.has(definition.type)) throw new Error(`job type "${definition.type}" is defined twice`);
    if (definition.steps.length === 0) throw new Error(`job type "${definition.type}" has no steps`);
    byType.set(definition.type, definition);
  }
  return {
    get: (type) => byType.get(type),
    types: () => [...byType.keys()].sort(),
  };
}

/** Looks up a definition and validates data for it; both failures are user-facing E_ARGS errors. */
export function resolveJob(
  registry: JobRegistry,
  type: string,
  raw: unknown,
): { definition: JobDefinition; data: unknown } {
  const definition = registry.get(type);
  if (!definition) {
    const known = registry.types();
    throw new UserError(
      "E_ARGS",
      `unknown job type "${type}"; known types: ${known.length > 0 ? known.join(", ") : "none"}`,
    );
  }
  if (!definition.parse) return { definition, data: raw };
  try {
    return { definition, data: definition.parse(raw) };
  } catch (err) {
    if (err instanceof UserError) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    throw new UserError("E_ARGS", `invalid data for job type "${type}": ${reason}`);
  }
}

/**
 * A job definition's `parse` from a zod schema: job data comes back from Redis as plain JSON, so it is
 * checked again before a worker runs it, and a bad payload fails the job with its first problem named.
 */
export function payloadParser<D>(schema: z.ZodType<D>, what: string): (raw: unknown) => D {
  return (raw) => {
    const parsed = schema.safeParse(raw);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    throw new UserError("E_ARGS", `invalid ${what}: ${issue?.path.join(".")}: ${issue?.message}`);
  };
}
