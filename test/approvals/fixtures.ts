import type { Redis } from "ioredis";
import { RedisApprovalStore } from "../../src/adapters/store/approval-store.js";
import type { ApprovalPolicy, ApprovalRequest } from "../../src/services/approvals/model.js";
import { openApproval } from "../../src/services/approvals/policy.js";
import { actor, conversation } from "../store/helpers.js";

export const T0 = Date.UTC(2026, 10, 26, 4, 0, 0);

export function policy(extra: Partial<ApprovalPolicy> = {}): ApprovalPolicy {
  return { required: 1, expiresInMs: 15 * 60_000, approverSubjects: [], ...extra };
}

export function request(
  extra: { policy?: Partial<ApprovalPolicy>; now?: number; id?: string } = {},
): ApprovalRequest {
  return openApproval({
    command: "template.delete",
    args: { vmid: 9000, node: "pve1" },
    requester: actor("UALICE", { name: "alice" }),
    conversation,
    requestId: "req-1",
    policy: policy(extra.policy),
    now: extra.now ?? T0,
    ...(extra.id ? { id: extra.id } : {}),
  });
}

export function store(redis: Redis, prefix: string): RedisApprovalStore {
  return new RedisApprovalStore(redis, { prefix });
}
