/**
 * Finding the effect of a request whose answer never arrived. A POST that timed out or lost its
 * connection may have started a task on PVE; sending it again blindly could create a second VM or fail
 * on the first one's lock. Before any resend the build looks for the task (a node's task list shows the
 * token its own tasks) and for the result it would have left.
 */
import { ProxmoxError, type TaskStatus } from "../../proxmox.js";
import type { TemplateServices } from "./deps.js";

/** PVE and the bot may disagree on the time; a task started this much "before" the send still counts. */
const CLOCK_SKEW_S = 60;

/**
 * True when the request may have been processed without its answer reaching us: no HTTP answer at
 * all (timeout, reset), or pveproxy's 596 after forwarding the request to another node.
 */
export function answerLost(err: unknown): boolean {
  return (
    err instanceof ProxmoxError &&
    err.code === "E_PVE_UNREACHABLE" &&
    (err.status === undefined || err.status === 596)
  );
}

/** True when PVE says the VM is not there, or not in the token's scope (it answers 403 before looking). */
export function goneOrOutOfScope(err: unknown): boolean {
  return (
    err instanceof ProxmoxError &&
    (err.status === 403 || /does not exist|no such VM/i.test(`${err.message} ${err.pveMessage ?? ""}`))
  );
}

/**
 * The newest task of `type` for `id` on `node` started since `sentAtMs` (bot clock, minus a skew
 * allowance), or undefined. Only running and successful tasks count: a task that failed left nothing.
 */
export async function findStartedTask(
  deps: Pick<TemplateServices, "proxmox">,
  node: string,
  match: { type: string; id: string; sentAtMs: number },
): Promise<TaskStatus | undefined> {
  const since = Math.floor(match.sentAtMs / 1000) - CLOCK_SKEW_S;
  const vmid = /^\d+$/.test(match.id) ? Number(match.id) : undefined;
  const tasks = await deps.proxmox.listTasks(node, {
    type: match.type,
    since,
    ...(vmid !== undefined ? { vmid } : {}),
  });
  const newest = tasks
    .filter((t) => t.type === match.type && t.id === match.id && t.starttime >= since)
    .sort((a, b) => b.starttime - a.starttime)[0];
  if (!newest) return undefined;
  const ok =
    newest.status === "running" ||
    newest.exitstatus === "OK" ||
    /^WARNINGS: \d+$/.test(newest.exitstatus ?? "");
  return ok ? newest : undefined;
}
