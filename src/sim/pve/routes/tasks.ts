import { hasPrivilege } from "../auth/acl.js";
import { paramErrorFor, permissionError } from "../errors.js";
import type { TaskRecord } from "../state/types.js";
import { parseUpid } from "../tasks.js";
import { Listing, num, type RequestContext, type RouteDefinition, str } from "./types.js";

function isOwner(ctx: RequestContext, task: TaskRecord): boolean {
  return task.user === ctx.principal.userid && task.tokenid === ctx.principal.tokenid;
}

/**
 * Looks a task up with PVE's errors; other callers' tasks need `privilege` on the node (Sys.Audit to read,
 * Sys.Modify to stop).
 */
function findTask(ctx: RequestContext, privilege = "Sys.Audit"): TaskRecord {
  const upid = str(ctx.params, "upid")!;
  const node = str(ctx.params, "node")!;
  ctx.rt.state.node(node);
  const parsed = parseUpid(upid);
  if (!parsed) throw paramErrorFor("upid", "unable to parse worker upid");
  const task = ctx.rt.state.tasks.get(upid);
  if (!task || parsed.node !== node) throw paramErrorFor("upid", "no such task");
  if (!isOwner(ctx, task) && !hasPrivilege(ctx.principal, `/nodes/${node}`, privilege)) {
    throw permissionError(`/nodes/${node}, ${privilege}`);
  }
  return task;
}

function taskFields(task: TaskRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
    upid: task.upid,
    node: task.node,
    pid: task.pid,
    pstart: task.pstart,
    starttime: task.starttime,
    type: task.type,
    id: task.id,
    user: task.user,
  };
  if (task.tokenid) out["tokenid"] = task.tokenid;
  return out;
}

function status(ctx: RequestContext) {
  const task = findTask(ctx);
  const out = { ...taskFields(task), status: task.status };
  return task.status === "stopped" ? { ...out, exitstatus: task.exitstatus } : out;
}

function log(ctx: RequestContext) {
  const task = findTask(ctx);
  const start = num(ctx.params, "start") ?? 0;
  const limit = num(ctx.params, "limit") ?? 50;
  const lines = task.log.map((t, i) => ({ n: i + 1, t }));
  return new Listing(lines.slice(start, start + limit), lines.length);
}

function list(ctx: RequestContext) {
  const node = str(ctx.params, "node")!;
  ctx.rt.state.node(node);
  const audit = hasPrivilege(ctx.principal, `/nodes/${node}`, "Sys.Audit");
  const vmid = num(ctx.params, "vmid");
  const type = str(ctx.params, "typefilter");
  const source = str(ctx.params, "source") ?? "archive";
  const errorsOnly = num(ctx.params, "errors") === 1;
  const all = [...ctx.rt.state.tasks.values()]
    .filter((t) => t.node === node && (audit || isOwner(ctx, t)))
    .filter((t) => vmid === undefined || t.id === String(vmid))
    .filter((t) => type === undefined || t.type === type)
    .filter((t) => source === "all" || (source === "active") === (t.status === "running"))
    .filter((t) => !errorsOnly || (t.status === "stopped" && t.exitstatus !== "OK"))
    .sort((a, b) => b.starttime - a.starttime);
  const start = num(ctx.params, "start") ?? 0;
  const limit = num(ctx.params, "limit") ?? 50;
  const rows = all.slice(start, start + limit).map((t) => ({
    ...taskFields(t),
    ...(t.status === "stopped" ? { status: t.exitstatus, endtime: t.endtime } : {}),
  }));
  return new Listing(rows, all.length);
}

function stopTask(ctx: RequestContext) {
  ctx.rt.tasks.stop(findTask(ctx, "Sys.Modify").upid);
  return null;
}

export const taskRoutes: RouteDefinition[] = [
  {
    method: "GET",
    path: "/nodes/{node}/tasks/{upid}",
    handler: (ctx) => {
      findTask(ctx);
      return [{ name: "log" }, { name: "status" }];
    },
  },
  { method: "DELETE", path: "/nodes/{node}/tasks/{upid}", handler: stopTask },
  { method: "GET", path: "/nodes/{node}/tasks", handler: list },
  { method: "GET", path: "/nodes/{node}/tasks/{upid}/status", handler: status },
  { method: "GET", path: "/nodes/{node}/tasks/{upid}/log", handler: log },
];
