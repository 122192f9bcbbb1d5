/**
 * `approvals` lists pending requests from the real store; each command is written as its card writes it,
 * through the audit sanitizer, so a secret argument never reaches the listing.
 */
import type { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { approvals } from "../../src/commands/approvals.js";
import type { CommandContext, CommandServices } from "../../src/commands/definition.js";
import { openApproval } from "../../src/services/approvals/policy.js";
import { silentLog } from "../../src/services/log.js";
import { mention } from "../../src/services/vocabulary/mention.js";
import { actor, conversation, eachTestRedis } from "../store/helpers.js";
import { policy, store, T0 } from "./fixtures.js";

let redis: Redis;
let prefix: string;
eachTestRedis((r, p) => {
  redis = r;
  prefix = p;
});

describe("approvals", () => {
  it("shows every argument as a flag with secrets redacted", async () => {
    const approvalStore = store(redis, prefix);
    const requester = actor("UALICE", { name: "alice" });
    await approvalStore.create(
      openApproval({
        command: "template.delete",
        args: { vmid: 9001, password: "hunter2-secret", note: "Bearer abc.def.ghi", sshKeys: "-----BEGIN" },
        requester,
        conversation,
        requestId: "req-1",
        policy: policy(),
        now: T0,
        id: "abc123def456",
      }),
    );
    const ctx: CommandContext = {
      actor: requester,
      role: "operator",
      conversation,
      requestId: "req-2",
      clock: { now: () => T0 + 60_000 },
      log: silentLog,
      services: { approvals: approvalStore } as unknown as CommandServices,
    };
    const reply = await approvals.run(ctx, {});
    expect(reply.table?.rows).toEqual([
      [
        "abc123def456",
        "template delete --note [redacted] --password [redacted] --ssh-keys [redacted] --vmid 9001",
        mention(requester),
        "0/1",
        "14m 00s",
      ],
    ]);
    expect(JSON.stringify(reply)).not.toMatch(/hunter2|Bearer|BEGIN/);
  });
});
