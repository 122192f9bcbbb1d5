import type { Principal } from "../auth/acl.js";
import type { Credentials } from "../auth/credentials.js";
import type { ApiSchema } from "../schema/api-schema.js";
import type { PveVersion } from "../schema/types.js";
import type { ParamValue } from "../schema/validate.js";
import type { SimState } from "../state/state.js";
import type { TaskManager, TaskOwner } from "../tasks.js";

export interface RuntimeConfig {
  /** Time between a VM start and its guest agent answering. */
  agentStartDelayMs: number;
  /** How long a simulated `agent/exec` process runs before `exited: 1`. */
  execDurationMs: number;
  /** SHA-256 fingerprint of the served certificate ("" over plain HTTP), reported as `ssl_fingerprint`. */
  tlsFingerprint: string;
}

/** Everything a handler may touch; created once per simulator instance. */
export interface SimRuntime {
  version: PveVersion;
  apiSchema: ApiSchema;
  state: SimState;
  tasks: TaskManager;
  credentials: Credentials;
  config: RuntimeConfig;
}

export interface RequestContext {
  method: string;
  /** Request path relative to `/api2/json`. */
  path: string;
  /** Validated parameters: integers/booleans as numbers, arrays as string arrays, the rest strings. */
  params: Record<string, ParamValue>;
  principal: Principal;
  rt: SimRuntime;
}

/** A list answer that also carries PVE's top-level `total` (task logs). */
export class Listing {
  constructor(
    readonly data: unknown[],
    readonly total: number,
  ) {}
}

export type Handler = (ctx: RequestContext) => unknown;

export interface RouteDefinition {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Schema path template, e.g. `/nodes/{node}/qemu/{vmid}/config`. */
  path: string;
  handler: Handler;
}

export function ownerOf(principal: Principal): TaskOwner {
  return { user: principal.userid, tokenid: principal.tokenid };
}

export function str(params: RequestContext["params"], name: string): string | undefined {
  const v = params[name];
  return v === undefined ? undefined : Array.isArray(v) ? v.join(",") : String(v);
}

export function num(params: RequestContext["params"], name: string): number | undefined {
  const v = params[name];
  return v === undefined ? undefined : Number(v);
}
