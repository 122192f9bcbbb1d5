/**
 * Maintenance windows from config: when each opens next, the announcement some time before, and what
 * happens when it opens: the same rollout `update apply` starts, either at once (`pre-approved`: an admin
 * approved it by writing the window into config) or as an approval request a second person decides
 * (`ask`). The scheduling itself (BullMQ job schedulers, exactly once across processes) is the queue
 * adapter's; this module only decides.
 */
import cronParser from "cron-parser";
import { schedulerActor } from "../approvals/scheduler.js";
import { formatDuration, formatUtc } from "../format.js";
import { startJob } from "../jobs/start.js";
import type { ApprovalRequester, JobQueue, NotifierByPlatform } from "../ports.js";
import type { Actor, ConversationRef, Platform } from "../vocabulary/identity.js";
import type { Reply, ReplyTable } from "../vocabulary/reply.js";
import { UPDATE_APPLY_JOB } from "./apply-job.js";
import type { MaintenanceWindow, RolloutOptions } from "./config.js";
import type { UpdateServices } from "./deps.js";
import { expandTargets, parseTargets } from "./targets.js";

/** The next opening strictly after `fromMs`, in epoch ms. */
export function nextRun(window: Pick<MaintenanceWindow, "cron" | "timezone">, fromMs: number): number {
  return cronParser
    .parseExpression(window.cron, { tz: window.timezone, currentDate: new Date(fromMs) })
    .next()
    .getTime();
}

export function windowConversation(window: MaintenanceWindow): ConversationRef {
  const [platform, channelId] = window.channel.split(":") as [Platform, string];
  return { platform, channelId };
}

export function windowActor(window: MaintenanceWindow): Actor {
  const conversation = windowConversation(window);
  return { ...schedulerActor(conversation.platform), name: `Maintenance window ${window.name}` };
}

export function windowOptions(window: MaintenanceWindow, defaults: RolloutOptions): RolloutOptions {
  return { ...defaults, ...window.options };
}

export function windowsTable(windows: readonly MaintenanceWindow[], nowMs: number): ReplyTable {
  return {
    columns: ["Window", "Schedule", "Next run", "Target", "Policy", "Announced"],
    rows: windows.map((w) => [
      w.name,
      `${w.cron} (${w.timezone})`,
      formatUtc(nextRun(w, nowMs)),
      w.target,
      w.policy,
      w.announce > 0 ? `${formatDuration(w.announce)} before` : "no",
    ]),
  };
}

export interface WindowDeps {
  updates: UpdateServices;
  jobs: JobQueue;
  notifiers: NotifierByPlatform;
  /** Needed for `ask` windows. */
  approvals?: ApprovalRequester;
}

function targetWords(window: MaintenanceWindow): string[] {
  return window.target.split(/\s+/).filter((w) => w !== "");
}

/** The message posted `announce` before a window opens, naming what it would touch now. */
export async function announceWindow(
  deps: WindowDeps,
  window: MaintenanceWindow,
  opensAt: number,
): Promise<void> {
  const notifier = deps.notifiers[windowConversation(window).platform];
  if (!notifier) return;
  const expansion = await expandTargets(deps.updates.proxmox, parseTargets(targetWords(window)), {
    need: "apply",
  });
  const reply: Reply = {
    title: `Maintenance window ${window.name} opens at ${formatUtc(opensAt)}`,
    text: `Guest updates for \`${window.target}\`: ${expansion.vms.length} VM${expansion.vms.length === 1 ? "" : "s"} match now, ${expansion.skipped.length} skipped. ${
      window.policy === "pre-approved"
        ? "The rollout starts by itself (pre-approved)."
        : "An approval request will be posted here when it opens."
    }`,
    tone: "info",
    table: {
      columns: ["VM", "Node"],
      rows: expansion.vms.map((v) => [`${v.vmid} ${v.name}`, v.node]),
    },
    visibility: "channel",
  };
  await notifier.post(windowConversation(window), reply);
}

/**
 * Opens a window: starts the rollout (pre-approved) or asks for approval (ask). `tick` identifies this
 * opening, so a request id is the same however often a tick is handled.
 */
export async function openWindow(
  deps: WindowDeps,
  window: MaintenanceWindow,
  tick: string,
): Promise<{ jobId?: string; approvalId?: string; nothing?: string }> {
  const conversation = windowConversation(window);
  const words = targetWords(window);
  const options = windowOptions(window, deps.updates.config.defaults);
  const requestId = `window-${window.name}-${tick}`;
  const actor = windowActor(window);
  if (window.policy === "ask") {
    if (!deps.approvals) throw new Error("maintenance windows with policy ask need the approval requester");
    const asked = await deps.approvals.request({
      command: "update.apply",
      args: { target: words, ...options },
      requester: actor,
      conversation,
      requestId,
    });
    return { approvalId: asked.approvalId };
  }
  const expansion = await expandTargets(deps.updates.proxmox, parseTargets(words), { need: "apply" });
  if (expansion.vms.length === 0) {
    const notifier = deps.notifiers[conversation.platform];
    const why = expansion.skipped.map((s) => `${s.target}: ${s.reason}`).join("; ");
    await notifier?.post(conversation, {
      title: `Maintenance window ${window.name}`,
      text: `Nothing to update for \`${window.target}\`${why ? ` (${why})` : ""}.`,
      tone: "warning",
      visibility: "channel",
    });
    return { nothing: why };
  }
  const info = await startJob(
    deps.jobs,
    UPDATE_APPLY_JOB,
    {
      title: `Maintenance window ${window.name}: ${window.target} (${expansion.vms.length} VMs)`,
      conversation,
      vms: expansion.vms,
      options,
      requestedBy: actor.name,
    },
    { requestedBy: actor, conversation, requestId },
  );
  return { jobId: info.id };
}
