import { TaskFailure } from "../errors.js";
import { applyCloudInit } from "../state/cloud-init.js";
import type { VmState } from "../state/types.js";
import { isTemplate, rejectSkiplock, vmFromRequest } from "./qemu-common.js";
import { ownerOf, type RequestContext, type RouteDefinition } from "./types.js";
import { vmStatusFields } from "./vm-view.js";

function agentEnabled(vm: VmState): boolean {
  const raw = String(vm.config["agent"] ?? "0");
  return /^(1|enabled=1)(,|$)/.test(raw);
}

function current(ctx: RequestContext) {
  const vm = vmFromRequest(ctx);
  const running = vm.status === "running";
  return {
    ...vmStatusFields(ctx.rt.state, vm),
    qmpstatus: vm.status,
    ha: { managed: vm.haManaged ? 1 : 0 },
    ...(agentEnabled(vm) ? { agent: 1 } : {}),
    ...(running ? { "running-qemu": "9.2.0", "running-machine": "pc-i440fx-9.2+pve1" } : {}),
  };
}

type PowerAction = "start" | "stop" | "shutdown" | "reboot";
const TASK_TYPE: Record<PowerAction, string> = {
  start: "qmstart",
  stop: "qmstop",
  shutdown: "qmshutdown",
  reboot: "qmreboot",
};

/**
 * Power changes run as tasks; the lock, template and state checks happen inside the worker (as in
 * qemu-server), so a refused start is an HTTP 200 with a UPID whose task fails.
 */
function power(action: PowerAction) {
  return (ctx: RequestContext) => {
    const vm = vmFromRequest(ctx);
    const { state } = ctx.rt;
    rejectSkiplock(ctx);
    const boot = () => {
      vm.status = "running";
      vm.startedAt = state.nowMs();
      vm.agentReadyAt = state.nowMs() + ctx.rt.config.agentStartDelayMs;
      vm.guest.rebootRequired = false;
      vm.guest.indexFresh = false;
      applyCloudInit(vm);
    };
    return ctx.rt.tasks.spawn({
      node: vm.node,
      type:
        vm.haManaged && action !== "reboot" ? (action === "start" ? "hastart" : "hastop") : TASK_TYPE[action],
      id: String(vm.vmid),
      owner: ownerOf(ctx.principal),
      start: () => {
        const lock = vm.config["lock"];
        if (lock !== undefined) throw new TaskFailure(`VM is locked (${lock})`);
        if (action === "start") {
          if (isTemplate(vm)) throw new TaskFailure("you can't start a vm if it's a template");
          if (vm.status === "running") throw new TaskFailure(`VM ${vm.vmid} already running`);
        } else if (vm.status !== "running") {
          throw new TaskFailure(`VM ${vm.vmid} not running`);
        }
      },
      finish: (t) => {
        if (action === "start") {
          boot();
          t.log(`start VM ${vm.vmid}: UPID ${t.upid}`);
          return;
        }
        vm.execs.clear();
        if (action === "reboot") {
          boot();
          return;
        }
        vm.status = "stopped";
        vm.startedAt = undefined;
      },
    });
  };
}

export const powerRoutes: RouteDefinition[] = [
  { method: "GET", path: "/nodes/{node}/qemu/{vmid}/status/current", handler: current },
  { method: "POST", path: "/nodes/{node}/qemu/{vmid}/status/start", handler: power("start") },
  { method: "POST", path: "/nodes/{node}/qemu/{vmid}/status/stop", handler: power("stop") },
  { method: "POST", path: "/nodes/{node}/qemu/{vmid}/status/shutdown", handler: power("shutdown") },
  { method: "POST", path: "/nodes/{node}/qemu/{vmid}/status/reboot", handler: power("reboot") },
];

export { agentEnabled };
