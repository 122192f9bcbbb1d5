/**
 * Following PVE tasks by UPID. A task's outcome is only known once its status is `stopped`: `OK` and
 * `WARNINGS: n` are success, any other exit status is PVE's error message (UPID.pm read_status). Polling
 * starts at 250 ms and slows to 2 s, so short tasks finish fast and long ones cost few requests.
 */
import { UserError } from "../../services/errors.js";
import { type Proxmox, ProxmoxError, ProxmoxTaskError, type TaskLog } from "../../services/proxmox.js";
import { checkNode, checkVmid, parseUpid } from "../../services/pve/ids.js";
import type { ClientCore } from "./core.js";
import * as map from "./map.js";

export const FIRST_POLL_MS = 250;
export const MAX_POLL_MS = 2000;
export const LOG_TAIL_LINES = 20;
const WARNINGS = /^WARNINGS: (\d+)$/;

type Tasks = Pick<Proxmox, "taskStatus" | "taskLogTail" | "waitForTask" | "listTasks">;

export function taskMethods(core: ClientCore): Tasks {
  const { api, call, engine } = core;

  const taskStatus: Proxmox["taskStatus"] = async (upid) => {
    const { node } = parseUpid(upid);
    return call(`read the status of task ${upid}`, async () =>
      map.taskStatus(map.asObject(await api.nodes.$(node).tasks.$(upid).status.$get(), "task status")),
    );
  };

  const taskLogTail = async (upid: string, lines = LOG_TAIL_LINES): Promise<TaskLog> => {
    const { node } = parseUpid(upid);
    const want = Math.max(1, Math.min(500, Math.trunc(lines)));
    const path = `/api2/json/nodes/${node}/tasks/${upid}/log`;
    return call(`read the log of task ${upid}`, async () => {
      const read = async (start: number) => {
        const env = await engine.request("GET", path, { start, limit: want });
        const rows = map.asArray(env.data, "task log");
        return { rows, total: env.total ?? rows.length };
      };
      let page = await read(0);
      if (page.total > want) page = await read(page.total - want);
      return { lines: page.rows.map((r) => String(r.t ?? "")), total: page.total };
    });
  };

  const waitForTask: Proxmox["waitForTask"] = async (upid, options = {}) => {
    const parsed = parseUpid(upid);
    const timeoutMs = options.timeoutMs ?? core.taskTimeoutMs;
    const startedAt = core.clock.now();
    let delay = FIRST_POLL_MS;
    for (;;) {
      const status = await taskStatus(upid);
      if (status.status === "stopped") {
        const exit = status.exitstatus ?? "unexpected status";
        const durationMs = core.clock.now() - startedAt;
        if (exit === "OK") return { upid, exitstatus: exit, warnings: 0, durationMs };
        const warn = WARNINGS.exec(exit);
        if (warn) return { upid, exitstatus: exit, warnings: Number(warn[1]), durationMs };
        const tail = await taskLogTail(upid).then(
          (log) => log.lines,
          () => [] as string[],
        );
        throw new ProxmoxTaskError(
          `Proxmox task ${parsed.type}${parsed.id ? ` ${parsed.id}` : ""} on ${parsed.node} failed: ${exit}`,
          upid,
          exit,
          tail,
        );
      }
      options.onPoll?.(status);
      const elapsed = core.clock.now() - startedAt;
      if (elapsed >= timeoutMs) {
        throw new ProxmoxError(
          "E_PVE",
          `Proxmox task ${parsed.type}${parsed.id ? ` ${parsed.id}` : ""} on ${parsed.node} is still running ` +
            `after ${Math.round(elapsed / 1000)} s; it continues on Proxmox. Follow it with: task ${upid}`,
        );
      }
      await core.sleep(Math.min(delay, timeoutMs - elapsed));
      delay = Math.min(MAX_POLL_MS, Math.round(delay * 1.5));
    }
  };

  const listTasks: Proxmox["listTasks"] = async (node, filter = {}) => {
    checkNode(node);
    if (filter.vmid !== undefined) checkVmid(filter.vmid);
    if (filter.type !== undefined && !/^[a-z][a-z0-9]*$/.test(filter.type)) {
      throw new UserError("E_ARGS", `invalid task type ${JSON.stringify(filter.type)}: e.g. qmcreate`);
    }
    const params = {
      vmid: filter.vmid,
      typefilter: filter.type,
      source: filter.source ?? "all",
      since: filter.since,
      limit: filter.limit ?? 50,
    };
    return call(`list the tasks of node ${node}`, async () =>
      map.asArray(await api.nodes.$(node).tasks.$get(params as never), "task list").map(map.taskListEntry),
    );
  };

  return { taskStatus, taskLogTail, waitForTask, listTasks };
}
