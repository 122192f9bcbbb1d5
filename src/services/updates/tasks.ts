/**
 * Waits for a PVE task of an update (snapshot, reboot, rollback, snapshot delete) through the update
 * pacer, so its status is read about once, right after the duration the same task type took before,
 * and a late end costs one poll interval rather than the task follower's fixed 100 ms steps.
 */
import { ProxmoxError, ProxmoxTaskError, type TaskStatus } from "../proxmox.js";
import type { UpdateServices } from "./deps.js";

const WARNINGS = /^WARNINGS: \d+$/;
/** A task an update starts that has not ended after this long is reported, not waited for forever. */
const TASK_TIMEOUT_MS = 30 * 60_000;

export async function waitForTask(
  deps: Pick<UpdateServices, "proxmox" | "pacer" | "config">,
  upid: string,
): Promise<void> {
  const type = upid.split(":")[5] ?? "";
  const status = await deps.pacer.until<TaskStatus>(
    `task:${type}`,
    async () => {
      const s = await deps.proxmox.taskStatus(upid);
      return s.status === "stopped" ? s : undefined;
    },
    { pollMs: deps.config.pollInterval, timeoutMs: TASK_TIMEOUT_MS },
  );
  if (!status) {
    throw new ProxmoxError(
      "E_PVE",
      `Proxmox task ${type} is still running after 30 min; it continues on Proxmox (task ${upid})`,
    );
  }
  const exit = status.exitstatus ?? "unexpected status";
  if (exit === "OK" || WARNINGS.test(exit)) return;
  const tail = await deps.proxmox.taskLogTail(upid, 10).then(
    (log) => log.lines,
    () => [] as string[],
  );
  throw new ProxmoxTaskError(`Proxmox task ${type} on ${status.node} failed: ${exit}`, upid, exit, tail);
}
