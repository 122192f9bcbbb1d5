/**
 * The one live message of a rollout: counts, then a per-VM table (every row; the chat adapter shows what
 * fits and attaches the rest), ordered so what needs eyes comes first: a failed rollback, failures,
 * VMs in flight, then waiting and finished ones. A failed rollback turns it red and mentions the requester.
 */
import type { Actor } from "../vocabulary/identity.js";
import { mention } from "../vocabulary/mention.js";
import type { Reply, Tone } from "../vocabulary/reply.js";
import type { RolloutOptions } from "./config.js";
import type { RolloutEnd } from "./rollout.js";
import type { TargetVm } from "./targets.js";
import type { VmPhase, VmRecord } from "./vm-record.js";

const LABEL: Record<VmPhase, string> = {
  queued: "queued",
  snapshot: "snapshot",
  upgrade: "upgrading",
  reboot: "rebooting",
  health: "health check",
  rollback: "rolling back",
  done: "updated",
  skipped: "skipped",
  failed: "FAILED",
  "rolled-back": "ROLLED BACK",
  "rollback-failed": "ROLLBACK FAILED",
  halted: "halted",
  cancelled: "cancelled",
};

const ORDER: VmPhase[] = [
  "rollback-failed",
  "failed",
  "rolled-back",
  "rollback",
  "health",
  "reboot",
  "upgrade",
  "snapshot",
  "queued",
  "halted",
  "cancelled",
  "done",
  "skipped",
];

/** A detail cell stays one short line; the full failure goes to the code block and the audit. */
const DETAIL_MAX = 110;

export interface SummaryInput {
  title: string;
  vms: readonly TargetVm[];
  records: Record<string, VmRecord>;
  options: RolloutOptions;
  nodeLimit: number;
  requestedBy: Actor;
  /** Absent while the rollout runs. */
  end?: RolloutEnd;
}

function detail(r: VmRecord): string {
  // A failed rollback leads: it is what someone must act on.
  const parts = r.phase === "rollback-failed" ? [r.detail, r.failure] : [r.failure, r.detail];
  const text =
    parts.filter(Boolean).join("; ") || (r.manager ? `${r.manager}, ${r.packages ?? "?"} pending` : "");
  return text.length > DETAIL_MAX ? `${text.slice(0, DETAIL_MAX - 1)}…` : text;
}

export function countPhases(records: Record<string, VmRecord>): Map<VmPhase, number> {
  const counts = new Map<VmPhase, number>();
  for (const r of Object.values(records)) counts.set(r.phase, (counts.get(r.phase) ?? 0) + 1);
  return counts;
}

export function renderSummary(input: SummaryInput): Reply {
  const { vms, records, options } = input;
  const counts = countPhases(records);
  const n = (p: VmPhase) => counts.get(p) ?? 0;
  const rollbackFailed = n("rollback-failed") > 0;
  const failedCount = n("failed") + n("rolled-back") + n("rollback-failed");
  const rows = vms
    .map((vm) => ({ vm, r: records[String(vm.vmid)] ?? { phase: "queued" as const } }))
    .sort((a, b) => ORDER.indexOf(a.r.phase) - ORDER.indexOf(b.r.phase) || a.vm.vmid - b.vm.vmid)
    .map(({ vm, r }) => [`${vm.vmid} ${vm.name}`, vm.node, LABEL[r.phase], detail(r)]);
  const status = ORDER.filter((p) => n(p) > 0)
    .map((p) => `${n(p)} ${LABEL[p].toLowerCase()}`)
    .join(", ");
  const plan = `${vms.length} VMs: canary ${Math.min(options.canary, vms.length)}, then batches of ${options.batch}, at most ${input.nodeLimit} per node; reboot ${options.reboot}${options.securityOnly ? ", security only" : ""}${options.noRollback ? ", no rollback" : ""}`;
  const ending =
    input.end === undefined
      ? ""
      : input.end === "halted"
        ? `\nHalted: ${failedCount} failure${failedCount === 1 ? "" : "s"} (tolerance ${options.tolerance}); the remaining VMs were not touched.`
        : input.end === "cancelled"
          ? "\nCancelled: no VM was left mid-update; the remaining VMs were not touched."
          : "";
  const alarm = rollbackFailed
    ? `\n${mention(input.requestedBy)} a rollback FAILED: the VM is on its updated state or stopped; its snapshot is still there (see below).`
    : "";
  const tails = vms
    .map((vm) => ({ vm, r: records[String(vm.vmid)] }))
    .filter(({ r }) => r?.tail)
    .slice(0, 3)
    .map(({ vm, r }) => `# ${vm.vmid} ${vm.name}: ${r!.failure ?? ""}\n${r!.tail}`);
  const tone: Tone = rollbackFailed
    ? "danger"
    : failedCount > 0 || input.end === "halted" || input.end === "cancelled"
      ? "warning"
      : input.end === "completed"
        ? "success"
        : "info";
  return {
    title: input.title,
    text: `${plan}\n${status}${ending}${alarm}`,
    tone,
    table: { columns: ["VM", "Node", "Status", "Detail"], rows },
    ...(tails.length > 0 ? { code: tails.join("\n\n") } : {}),
    visibility: "channel",
  };
}
