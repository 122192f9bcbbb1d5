/**
 * Approval requests in Redis. Every state change is one Lua script (see approval-scripts.ts), so the
 * guarantees in `ApprovalStore` hold across bot instances sharing one Redis: exactly one caller ever gets
 * `approved` (or `denied`) for a request, and no vote lands after expiry or after a decision.
 *
 * Decided and expired requests stay readable for `retainMs` (7 days by default) so a late click gets
 * "already approved by bob at …" rather than "unknown request".
 */

import { isApprovalId } from "../../services/approvals/ids.js";
import type {
  ApprovalRequest,
  ApprovalStatus,
  ApprovalVote,
  DecideRefusal,
  DecideResult,
} from "../../services/approvals/model.js";
import { personKey } from "../../services/approvals/people.js";
import type { ApprovalStore } from "../../services/ports.js";
import type { Actor, MessageRef } from "../../services/vocabulary/identity.js";
import { ATTACH_LUA, CREATE_LUA, DECIDE_LUA, EXPIRE_LUA } from "./approval-scripts.js";
import { guarded } from "./redis.js";
import type { RedisClient } from "./redis-target.js";

export interface RedisApprovalStoreOptions {
  /** Deployment key prefix with its trailing colon, e.g. `pvebot:`. */
  prefix: string;
  /** How long a request stays readable after it was decided or expired. */
  retainMs?: number;
  /** Requests expired per script run; keeps each run short while Redis is blocked by it. */
  expireBatch?: number;
}

const DEFAULT_RETAIN_MS = 7 * 24 * 3_600_000;
const STATUSES: readonly ApprovalStatus[] = ["pending", "approved", "denied", "expired"];

type DecideReply = [kind: string, code: string, hash: string[]];

/** The client after `defineCommand`; kept local rather than augmenting ioredis's types project-wide. */
type ScriptedRedis = RedisClient & {
  pvebotApprovalCreate(
    hash: string,
    pending: string,
    id: string,
    request: string,
    requester: string,
    expiresAt: number,
    required: number,
    ttlMs: number,
  ): Promise<number>;
  pvebotApprovalAttach(hash: string, message: string): Promise<number>;
  pvebotApprovalDecide(
    hash: string,
    pending: string,
    id: string,
    voter: string,
    verdict: string,
    vote: string,
    actor: string,
    at: number,
    reason: string,
    retainMs: number,
  ): Promise<DecideReply>;
  pvebotApprovalExpire(
    pending: string,
    now: number,
    hashPrefix: string,
    retainMs: number,
    batch: number,
  ): Promise<string[][]>;
};

export class RedisApprovalStore implements ApprovalStore {
  private readonly retainMs: number;
  private readonly expireBatch: number;
  private readonly pendingKey: string;
  private readonly hashPrefix: string;
  private readonly redis: ScriptedRedis;

  constructor(redis: RedisClient, options: RedisApprovalStoreOptions) {
    this.retainMs = options.retainMs ?? DEFAULT_RETAIN_MS;
    this.expireBatch = options.expireBatch ?? 200;
    this.pendingKey = `${options.prefix}approvals:pending`;
    this.hashPrefix = `${options.prefix}approval:`;
    redis.defineCommand("pvebotApprovalCreate", { numberOfKeys: 2, lua: CREATE_LUA });
    redis.defineCommand("pvebotApprovalAttach", { numberOfKeys: 1, lua: ATTACH_LUA });
    redis.defineCommand("pvebotApprovalDecide", { numberOfKeys: 2, lua: DECIDE_LUA });
    redis.defineCommand("pvebotApprovalExpire", { numberOfKeys: 1, lua: EXPIRE_LUA });
    this.redis = redis as ScriptedRedis;
  }

  async create(request: ApprovalRequest): Promise<void> {
    this.checkId(request.id);
    if (request.status !== "pending" || request.approvals.length > 0 || request.decidedBy) {
      throw new Error(`approval ${request.id}: only a fresh pending request can be stored`);
    }
    const {
      approvals: _votes,
      status: _status,
      message,
      decidedBy: _by,
      decidedAt: _at,
      reason: _r,
      ...fixed
    } = request;
    const ttlMs = Math.max(request.expiresAt - request.createdAt, 0) + this.retainMs;
    const created = await guarded(() =>
      this.redis.pvebotApprovalCreate(
        this.key(request.id),
        this.pendingKey,
        request.id,
        JSON.stringify(fixed),
        personKey(request.requester),
        request.expiresAt,
        request.policy.required,
        ttlMs,
      ),
    );
    if (created !== 1) throw new Error(`approval ${request.id} already exists`);
    if (message) await this.attachMessage(request.id, message);
  }

  async get(id: string): Promise<ApprovalRequest | undefined> {
    if (!isApprovalId(id)) return undefined;
    const flat = await guarded(() => this.redis.hgetall(this.key(id)));
    return Object.keys(flat).length === 0 ? undefined : fromHash(flat);
  }

  async attachMessage(id: string, message: MessageRef): Promise<void> {
    this.checkId(id);
    const done = await guarded(() => this.redis.pvebotApprovalAttach(this.key(id), JSON.stringify(message)));
    if (done !== 1) throw new Error(`approval ${id} is gone; cannot attach its card`);
  }

  async decide(
    id: string,
    vote: { actor: Actor; verdict: "approve" | "deny"; reason?: string; at: number },
  ): Promise<DecideResult> {
    if (!isApprovalId(id)) return { kind: "refused", code: "E_APPROVAL_NOT_FOUND" };
    const castVote: ApprovalVote = { actor: vote.actor, at: vote.at };
    const [kind, code, hash] = await guarded(() =>
      this.redis.pvebotApprovalDecide(
        this.key(id),
        this.pendingKey,
        id,
        personKey(vote.actor),
        vote.verdict,
        JSON.stringify(castVote),
        JSON.stringify(vote.actor),
        vote.at,
        vote.reason ?? "",
        this.retainMs,
      ),
    );
    const request = hash.length > 0 ? fromHash(pairs(hash)) : undefined;
    if (kind === "refused")
      return request ? { kind, code: code as DecideRefusal, request } : { kind, code: code as DecideRefusal };
    if (!request) throw new Error(`approval ${id}: decide script returned ${kind} without the request`);
    if (kind === "approved" || kind === "denied") return { kind, request };
    if (kind === "recorded") {
      return { kind, request, remaining: Math.max(request.policy.required - request.approvals.length, 0) };
    }
    throw new Error(`approval ${id}: decide script returned unknown kind ${kind}`);
  }

  async listPending(): Promise<ApprovalRequest[]> {
    const ids = await guarded(() => this.redis.zrange(this.pendingKey, 0, -1));
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.key(id));
    const replies = (await guarded(() => pipeline.exec())) ?? [];
    const out: ApprovalRequest[] = [];
    for (const [err, flat] of replies) {
      if (err) throw err;
      const hash = flat as Record<string, string>;
      if (Object.keys(hash).length === 0) continue;
      const request = fromHash(hash);
      if (request.status === "pending") out.push(request);
    }
    return out.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  async expireDue(now: number): Promise<ApprovalRequest[]> {
    const out: ApprovalRequest[] = [];
    for (;;) {
      const batch = await guarded(() =>
        this.redis.pvebotApprovalExpire(
          this.pendingKey,
          now,
          this.hashPrefix,
          this.retainMs,
          this.expireBatch,
        ),
      );
      for (const hash of batch) out.push(fromHash(pairs(hash)));
      // A batch can hold fewer expired requests than ids it removed (stale ids), so stop only when the
      // set has nothing due left.
      const due = await guarded(() => this.redis.zcount(this.pendingKey, "-inf", now));
      if (due === 0) return out;
    }
  }

  private key(id: string): string {
    return `${this.hashPrefix}${id}`;
  }

  private checkId(id: string): void {
    if (!isApprovalId(id)) throw new Error(`invalid approval id ${JSON.stringify(id)}`);
  }
}

function pairs(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}

/** Rebuilds the request from its hash; a field that fails to parse is a corrupted store and throws. */
function fromHash(hash: Record<string, string>): ApprovalRequest {
  const fixed = JSON.parse(hash["request"] ?? "null") as Omit<
    ApprovalRequest,
    "approvals" | "status" | "message" | "decidedBy" | "decidedAt" | "reason"
  > | null;
  const status = hash["status"] as ApprovalStatus;
  if (!fixed || !STATUSES.includes(status)) throw new Error("corrupted approval record in Redis");
  const request: ApprovalRequest = {
    ...fixed,
    status,
    approvals: JSON.parse(hash["votes"] ?? "[]") as ApprovalVote[],
  };
  if (hash["message"]) request.message = JSON.parse(hash["message"]) as MessageRef;
  if (hash["decidedBy"]) request.decidedBy = JSON.parse(hash["decidedBy"]) as Actor;
  if (hash["decidedAt"]) request.decidedAt = Number(hash["decidedAt"]);
  if (hash["reason"]) request.reason = hash["reason"];
  return request;
}
