/** The rollout message for a large fleet stays within Slack's limits, and the approval card shows the VMs. */
import { describe, expect, it } from "vitest";
import { ButtonSigner } from "../../src/adapters/chat-kit/button-signer.js";
import { renderReply, textSize } from "../../src/adapters/slack/blocks.js";
import { LIMITS, SLACK_BUTTONS } from "../../src/adapters/slack/limits.js";
import { rolloutOptionsSchema } from "../../src/services/updates/config.js";
import { renderSummary } from "../../src/services/updates/summary.js";
import type { TargetVm } from "../../src/services/updates/targets.js";
import type { VmPhase, VmRecord } from "../../src/services/updates/vm-record.js";
import { validateMessage } from "../fakes/slack/index.js";

const signer = new ButtonSigner("summary-test", { now: () => 0 }, 86_400_000, SLACK_BUTTONS);
const PHASES: VmPhase[] = ["done", "upgrade", "queued", "rolled-back", "health", "done", "failed"];

describe("rollout summary", () => {
  it("keeps 200 VMs within Slack's limits, problems first, every row in the attached file", () => {
    const vms: TargetVm[] = Array.from({ length: 200 }, (_, i) => ({
      vmid: 1000 + i,
      name: `web-frontend-${String(i).padStart(3, "0")}.example.internal`,
      node: `pve${(i % 8) + 1}`,
      tags: ["web"],
    }));
    const records: Record<string, VmRecord> = {};
    vms.forEach((vm, i) => {
      const phase = PHASES[i % PHASES.length]!;
      records[String(vm.vmid)] = {
        phase,
        manager: "apt",
        packages: 37,
        ...(phase === "rolled-back" || phase === "failed"
          ? {
              failure: `health check: HTTP check http://10.0.${i}.1/healthz (tag web): status 503 ${"x".repeat(200)}`,
              tail: "E: dpkg was interrupted\n".repeat(20),
            }
          : {}),
      };
    });
    const reply = renderSummary({
      title: "Update tag:web (200 VMs)",
      vms,
      records,
      options: rolloutOptionsSchema.parse({ batch: 10, canary: 2 }),
      nodeLimit: 2,
      requestedBy: { platform: "slack", id: "U123", name: "Alice", groups: [] },
    });
    expect(reply.table!.rows).toHaveLength(200);
    expect(reply.table!.rows[0]![2]).toBe("FAILED");
    const out = renderReply(reply, signer);
    expect(validateMessage({ text: out.text, blocks: out.blocks })).toMatchObject({ ok: true });
    expect(out.blocks.length).toBeLessThanOrEqual(LIMITS.blocks);
    expect(textSize(out.blocks)).toBeLessThanOrEqual(LIMITS.totalText);
    // What does not fit travels as a file with every row.
    expect(new Set(out.overflow?.content.match(/web-frontend-\d{3}/g))).toHaveProperty("size", 200);
  });
});
