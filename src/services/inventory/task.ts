/**
 * The `task <upid>` detail: what the task is, whether it still runs, how it ended, and its last log
 * lines. The node is taken from the UPID itself, so a UPID copied from the PVE GUI is enough.
 */

import type { Proxmox, TaskStatus } from "../proxmox.js";
import { parseUpid } from "../pve/ids.js";
import type { Reply } from "../vocabulary/reply.js";
import { formatEpoch } from "./format.js";

export const TASK_LOG_LINES = 15;

export function taskOutcome(status: TaskStatus): { text: string; tone: Reply["tone"] } {
  if (status.status === "running") return { text: "running", tone: "info" };
  const exit = status.exitstatus ?? "unexpected status";
  if (exit === "OK") return { text: "finished OK", tone: "success" };
  if (/^WARNINGS: \d+$/.test(exit)) return { text: `finished with ${exit.toLowerCase()}`, tone: "warning" };
  return { text: `failed: ${exit}`, tone: "danger" };
}

export function taskReply(status: TaskStatus, log: { lines: string[]; total: number }): Reply {
  const parsed = parseUpid(status.upid);
  const outcome = taskOutcome(status);
  const shown = log.lines.length;
  return {
    title: `Task ${parsed.type}${parsed.id ? ` ${parsed.id}` : ""} on ${parsed.node}`,
    tone: outcome.tone,
    fields: [
      { label: "Status", value: outcome.text },
      { label: "Started", value: formatEpoch(status.starttime || parsed.starttime) },
      { label: "By", value: parsed.user },
    ],
    text:
      shown === 0
        ? "The task log is empty."
        : shown < log.total
          ? `Last ${shown} of ${log.total} log lines:`
          : "Log:",
    code: shown === 0 ? undefined : log.lines.join("\n"),
  };
}

export async function taskReport(px: Proxmox, upid: string): Promise<Reply> {
  parseUpid(upid);
  const [status, log] = await Promise.all([px.taskStatus(upid), px.taskLogTail(upid, TASK_LOG_LINES)]);
  return taskReply(status, log);
}
