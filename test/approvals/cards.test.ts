import type { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { parseApprovalAction } from "../../src/services/approvals/actions.js";
import { approvalCard, outcomeReply } from "../../src/services/approvals/cards.js";
import { commandLine } from "../../src/services/approvals/format.js";
import type { ApprovalRequest } from "../../src/services/approvals/model.js";
import { openApproval } from "../../src/services/approvals/policy.js";
import { sweepExpired } from "../../src/services/approvals/sweep.js";
import type { Notifier } from "../../src/services/ports.js";
import type { ConversationRef, MessageRef } from "../../src/services/vocabulary/identity.js";
import { plainMentions } from "../../src/services/vocabulary/mention.js";
import type { Reply } from "../../src/services/vocabulary/reply.js";
import { actor, conversation, eachTestRedis, memoryLog } from "../store/helpers.js";
import { policy, request, store, T0 } from "./fixtures.js";

const bob = actor("UBOB", { name: "bob" });
/** The reply with each mention as `@name`, as the console shows it. */
const plain = <T>(value: T): T => JSON.parse(plainMentions(JSON.stringify(value))) as T;
const carol = actor("UCAROL", { name: "carol" });

describe("approvalCard", () => {
  it("shows what will run, who asked, until when, progress, and two buttons carrying only the id", () => {
    const r = request({ id: "abc123def456", policy: { required: 2 } });
    const card = approvalCard({ ...r, approvals: [{ actor: bob, at: T0 + 1 }] });
    expect(card.text).toMatch(/^‹@user:slack:UALICE\|alice› asked/);
    expect(plain(card)).toEqual({
      title: "Approval needed: template delete",
      text: "@alice asked to run `template delete`. It runs once 2 approvers other than the requester approve.",
      tone: "warning",
      code: "template delete --node pve1 --vmid 9000",
      fields: [
        { label: "Requested by", value: "@alice" },
        { label: "Expires", value: "2026-11-26 04:15 UTC" },
        { label: "Approvals", value: "1 of 2 (@bob)" },
        { label: "Who may approve", value: "anyone with the approver role" },
      ],
      buttons: [
        {
          id: "approval:abc123def456:approve",
          label: "Approve",
          style: "primary",
          confirm: {
            title: "Approve template delete?",
            text: "This runs “template delete --node pve1 --vmid 9000” as requested by alice.",
            confirm: "Approve",
            deny: "Cancel",
          },
        },
        {
          id: "approval:abc123def456:deny",
          label: "Deny",
          prompt: {
            title: "Deny this request",
            submit: "Deny",
            fields: [
              {
                id: "reason",
                label: "Reason (nothing will run; the requester sees it)",
                multiline: true,
                required: false,
                maxLength: 500,
              },
            ],
          },
        },
      ],
      visibility: "channel",
    } satisfies Reply);
  });

  it("never shows secrets on the card and keeps the confirm text within Slack's 300 characters", () => {
    const r = openApproval({
      command: "template.build",
      args: {
        name: 'ubuntu 24.04 "lts"',
        cipassword: "hunter2",
        sshKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG ops@example"],
        dryRun: false,
        force: true,
        tags: ["a", "b"],
        notes: "x".repeat(400),
      },
      requester: actor("UALICE", { name: "alice" }),
      conversation,
      requestId: "r",
      policy: policy(),
      now: T0,
    });
    const card = approvalCard(r);
    expect(card.code).toContain("--cipassword [redacted]");
    expect(card.code).toContain('--name "ubuntu 24.04 \\"lts\\""');
    expect(card.code).toContain("--dry-run=false --force");
    expect(card.code).toContain("--tags a --tags b");
    expect(card.code).toContain('--ssh-keys "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG ops@example"');
    expect(JSON.stringify(card)).not.toContain("hunter2");
    expect(card.buttons?.[0]?.confirm?.text.length).toBeLessThanOrEqual(300);
    expect(card.buttons?.[0]?.confirm?.text).toMatch(/…” as requested by alice\.$/);
    // Dialogs and forms are plain text on every platform: no markdown in them.
    for (const b of card.buttons ?? []) expect(JSON.stringify(b.confirm ?? b.prompt)).not.toMatch(/[`*_]/);
  });
});

describe("who may approve", () => {
  it("mentions configured approver users and groups, so Slack notifies the group", () => {
    const r = request({ policy: { approverSubjects: ["slack:group:S0LEADS", "console:user:bob"] } });
    expect(approvalCard(r).fields).toContainEqual({
      label: "Who may approve",
      value: "‹@group:slack:S0LEADS|S0LEADS›, ‹@user:console:bob|bob›",
    });
  });
});

describe("outcomeReply", () => {
  const base = request({ id: "outcome-req-1" });
  it("turns an approved card into one outcome line without buttons", () => {
    const approved: ApprovalRequest = {
      ...base,
      status: "approved",
      approvals: [{ actor: bob, at: Date.UTC(2026, 10, 26, 4, 12) }],
      decidedBy: bob,
      decidedAt: Date.UTC(2026, 10, 26, 4, 12, 30),
    };
    expect(plain(outcomeReply(approved))).toEqual({
      title: "template delete: approved",
      text: "approved by @bob at 2026-11-26 04:12 UTC",
      tone: "success",
      code: "template delete --node pve1 --vmid 9000",
      fields: [{ label: "Requested by", value: "@alice" }],
      visibility: "channel",
    });
  });

  it("names the denier and the reason, or the expiry time", () => {
    const denied = outcomeReply({
      ...base,
      status: "denied",
      decidedBy: carol,
      decidedAt: Date.UTC(2026, 10, 26, 4, 3),
      reason: "change freeze",
    });
    expect(plainMentions(denied.text ?? "")).toBe("denied by @carol at 2026-11-26 04:03 UTC: change freeze");
    expect(denied.tone).toBe("danger");
    expect(denied.buttons).toBeUndefined();
    const expired = outcomeReply({ ...base, status: "expired" });
    expect(expired.text).toBe("expired at 2026-11-26 04:15 UTC with 0 of 1 approvals");
    expect(expired.buttons).toBeUndefined();
  });

  it("keeps a still-pending request as a card with its new count", () => {
    const pending = { ...request({ policy: { required: 2 } }), approvals: [{ actor: bob, at: T0 }] };
    expect(outcomeReply(pending).buttons).toHaveLength(2);
    expect(plain(outcomeReply(pending).fields)).toContainEqual({
      label: "Approvals",
      value: "1 of 2 (@bob)",
    });
  });
});

describe("parseApprovalAction", () => {
  it("accepts only well-formed approval button ids", () => {
    expect(parseApprovalAction("approval:abc123def456:approve")).toEqual({
      id: "abc123def456",
      verdict: "approve",
    });
    expect(parseApprovalAction("approval:abc-12_3:deny")).toEqual({ id: "abc-12_3", verdict: "deny" });
    for (const bad of [
      "approval:abc123:run",
      "approval::approve",
      "approval:a b c d e f:approve",
      "approval:abc:approve",
      "job:abc123def456:cancel",
      "approval:abc123def456:approve:extra",
      `approval:${"a".repeat(65)}:approve`,
    ]) {
      expect(parseApprovalAction(bad), bad).toBeUndefined();
    }
  });
});

describe("commandLine", () => {
  it("renders object args as quoted JSON and skips null", () => {
    expect(commandLine({ command: "vm.config", args: { set: { cores: 2 }, unset: null } })).toBe(
      'vm config --set "{\\"cores\\":2}"',
    );
  });
});

describe("sweepExpired", () => {
  let redis: Redis;
  let prefix: string;
  eachTestRedis((r, p) => {
    redis = r;
    prefix = p;
  });

  /** A notifier that keeps what it was asked to edit, standing in for a chat platform. */
  function recordingNotifier(fail = false): Notifier & { edits: [MessageRef, Reply][] } {
    const edits: [MessageRef, Reply][] = [];
    return {
      edits,
      async post(_c: ConversationRef, _r: Reply): Promise<MessageRef> {
        throw new Error("the sweep only edits");
      },
      async update(message: MessageRef, reply: Reply): Promise<void> {
        if (fail) throw new Error("platform said no");
        edits.push([message, reply]);
      },
    };
  }

  it("edits each expired card to say so, and skips ones it cannot reach", async () => {
    const approvals = store(redis, prefix);
    const withCard = request({ id: "has-card-1" });
    const discordCard = request({ id: "discord-card-1" });
    const noCard = request({ id: "no-card-01" });
    const notDue = request({ id: "not-due-01", now: T0 + 3_600_000 });
    for (const r of [withCard, discordCard, noCard, notDue]) await approvals.create(r);
    const slackRef: MessageRef = { platform: "slack", channelId: "C0OPS", messageId: "1.1" };
    await approvals.attachMessage(withCard.id, slackRef);
    await approvals.attachMessage(discordCard.id, { platform: "discord", channelId: "1", messageId: "2" });

    const slack = recordingNotifier();
    const log = memoryLog();
    const result = await sweepExpired({ store: approvals, notifier: { slack }, now: T0 + 900_000, log });
    expect(result.expired.map((r) => r.id).sort()).toEqual(["discord-card-1", "has-card-1", "no-card-01"]);
    expect(result).toMatchObject({ updated: 1, skipped: 2 });
    expect(slack.edits).toEqual([
      [slackRef, outcomeReply({ ...withCard, status: "expired", message: slackRef })],
    ]);
    expect(slack.edits[0]?.[1].text).toBe("expired at 2026-11-26 04:15 UTC with 0 of 1 approvals");
    expect(log.entries.filter((e) => e.level === "warn")).toHaveLength(2);

    const again = await sweepExpired({ store: approvals, notifier: { slack }, now: T0 + 900_000, log });
    expect(again).toEqual({ expired: [], updated: 0, skipped: 0 });
  });

  it("keeps going when one edit fails", async () => {
    const approvals = store(redis, prefix);
    const r = request({ id: "edit-fails-1" });
    await approvals.create(r);
    await approvals.attachMessage(r.id, { platform: "slack", channelId: "C", messageId: "9" });
    const log = memoryLog();
    const result = await sweepExpired({
      store: approvals,
      notifier: { slack: recordingNotifier(true) },
      now: r.expiresAt,
      log,
    });
    expect(result).toMatchObject({ updated: 0, skipped: 1 });
    expect(log.entries.some((e) => e.level === "error")).toBe(true);
  });
});
