/**
 * Building an approval request: which policy applies, the hash that binds the approval to the exact
 * arguments, and the request itself. Pure functions; the caller stores the result.
 */
import { createHash } from "node:crypto";
import type { Actor, ConversationRef } from "../vocabulary/identity.js";
import { isApprovalId, newApprovalId } from "./ids.js";
import type { ApprovalPolicy, ApprovalRequest, ApprovalTarget } from "./model.js";

/** One policy as configured (`approvals.default` or `approvals.commands.<name>`), expiry in ms. */
export interface ApprovalPolicySettings {
  required: number;
  expiry: number;
  approvers: string[];
}

/** The `approvals` config section, structurally; services do not import the bot's zod schema. */
export interface ApprovalsSettings {
  default: ApprovalPolicySettings;
  commands: Record<string, ApprovalPolicySettings>;
}

/** The command's own policy when configured, else the default; never merges the two. */
export function policyFor(command: string, config: ApprovalsSettings): ApprovalPolicy {
  const chosen = Object.hasOwn(config.commands, command) ? config.commands[command]! : config.default;
  return { required: chosen.required, expiresInMs: chosen.expiry, approverSubjects: [...chosen.approvers] };
}

/**
 * JSON with object keys sorted at every depth and `undefined` members dropped, so equal arguments give
 * equal text whatever order a parser produced them in. Refuses values JSON cannot carry faithfully.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonical(value, "args"));
}

function canonical(value: unknown, path: string): unknown {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value))
      throw new TypeError(`${path} is ${value}; only finite numbers can be hashed`);
    return value;
  }
  if (Array.isArray(value))
    return value.map((v, i) => (v === undefined ? null : canonical(v, `${path}[${i}]`)));
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key];
      if (member !== undefined) out[key] = canonical(member, `${path}.${key}`);
    }
    return out;
  }
  throw new TypeError(
    `${path} is a ${typeof value === "object" ? "non-plain object" : typeof value}; args must be plain JSON`,
  );
}

/** sha256 (hex) of the canonical JSON of `{command, args}`; compared again just before the command runs. */
export function argsHash(command: string, args: Record<string, unknown>): string {
  return createHash("sha256").update(canonicalJson({ command, args })).digest("hex");
}

export interface OpenApprovalInput {
  command: string;
  args: Record<string, unknown>;
  requester: Actor;
  conversation: ConversationRef;
  requestId: string;
  policy: ApprovalPolicy;
  now: number;
  /** What the command's `resolve` found; absent for commands without one. */
  target?: ApprovalTarget;
  /** For tests and replays; a fresh random id otherwise. */
  id?: string;
}

export function openApproval(input: OpenApprovalInput): ApprovalRequest {
  const id = input.id ?? newApprovalId();
  if (!isApprovalId(id))
    throw new TypeError(`approval id ${JSON.stringify(id)} must be 6-64 of A-Z a-z 0-9 _ -`);
  const { policy } = input;
  if (!Number.isInteger(policy.required) || policy.required < 1) {
    throw new TypeError(`approval policy for ${input.command}: required must be a whole number ≥ 1`);
  }
  if (!Number.isFinite(policy.expiresInMs) || policy.expiresInMs <= 0) {
    throw new TypeError(`approval policy for ${input.command}: expiry must be a positive duration`);
  }
  const args = JSON.parse(canonicalJson(input.args)) as Record<string, unknown>;
  return {
    id,
    command: input.command,
    args,
    argsHash: argsHash(input.command, args),
    ...(input.target ? { target: JSON.parse(JSON.stringify(input.target)) as ApprovalTarget } : {}),
    requester: input.requester,
    conversation: input.conversation,
    policy: { ...policy, approverSubjects: [...policy.approverSubjects] },
    requestId: input.requestId,
    createdAt: input.now,
    expiresAt: input.now + policy.expiresInMs,
    approvals: [],
    status: "pending",
  };
}
