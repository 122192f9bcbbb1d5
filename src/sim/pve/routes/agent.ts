import { handlerError } from "../errors.js";
import { runInGuest, SpawnError } from "../guest/shell.js";
import { OS_INFO } from "../state/guest-defaults.js";
import type { VmState } from "../state/types.js";
import { agentEnabled } from "./power.js";
import { vmFromRequest } from "./qemu-common.js";
import { num, type RequestContext, type RouteDefinition } from "./types.js";

/**
 * The three availability errors every agent call can give (qemu-server `assert_agent_available`):
 * no `agent` key at all, VM stopped, or no answer to guest-ping (agent disabled in the config, so no
 * channel, or not started yet after boot).
 */
function agentVm(ctx: RequestContext): VmState {
  const vm = vmFromRequest(ctx);
  if (vm.config["agent"] === undefined) throw handlerError("No QEMU guest agent configured");
  if (vm.status !== "running") throw handlerError(`VM ${vm.vmid} is not running`);
  if (!agentEnabled(vm) || ctx.rt.state.nowMs() < vm.agentReadyAt) {
    throw handlerError("QEMU guest agent is not running");
  }
  return vm;
}

function osinfo(ctx: RequestContext) {
  const vm = agentVm(ctx);
  const info = OS_INFO[vm.guest.os];
  return {
    result: {
      id: info.id,
      name: info.name,
      "pretty-name": info.prettyName,
      version: info.version,
      "version-id": info.versionId,
      "kernel-release": vm.guest.kernel,
      "kernel-version": "#1 SMP PREEMPT_DYNAMIC",
      machine: "x86_64",
    },
  };
}

function interfaces(ctx: RequestContext) {
  const vm = agentVm(ctx);
  const mac =
    /=([0-9A-Fa-f:]{17})/.exec(String(vm.config["net0"] ?? ""))?.[1]?.toLowerCase() ?? "bc:24:11:00:00:01";
  return {
    result: [
      {
        name: "lo",
        "hardware-address": "00:00:00:00:00:00",
        "ip-addresses": [
          { "ip-address": "127.0.0.1", "ip-address-type": "ipv4", prefix: 8 },
          { "ip-address": "::1", "ip-address-type": "ipv6", prefix: 128 },
        ],
      },
      {
        name: "eth0",
        "hardware-address": mac,
        "ip-addresses": [
          { "ip-address": vm.guest.ipv4, "ip-address-type": "ipv4", prefix: vm.guest.ipv4Prefix ?? 24 },
        ],
      },
    ],
  };
}

/** Runs the command at once (state changes included) and reveals the result after `execDurationMs`. */
function exec(ctx: RequestContext) {
  const vm = agentVm(ctx);
  const argv = (ctx.params["command"] as string[] | undefined) ?? [];
  if (argv.length === 0 && ctx.params["input-data"] === undefined) {
    throw handlerError("command or input-data (or both) required");
  }
  if (argv.length === 0) throw handlerError("Agent error: Invalid parameter 'path'");
  let result: ReturnType<typeof runInGuest>;
  try {
    result = runInGuest(vm.guest, argv);
  } catch (e) {
    if (e instanceof SpawnError)
      throw handlerError(`Agent error: Guest agent command failed, error was '${e.message}'`);
    throw e;
  }
  const pid = vm.nextExecPid++;
  vm.execs.set(pid, {
    pid,
    finishesAt: ctx.rt.state.nowMs() + ctx.rt.config.execDurationMs,
    exitcode: result.exitcode,
    out: result.out,
    err: result.err,
  });
  return { pid };
}

/** Like QGA, a finished process is forgotten after its first `exited: 1` report. */
function execStatus(ctx: RequestContext) {
  const vm = agentVm(ctx);
  const pid = num(ctx.params, "pid")!;
  const process = vm.execs.get(pid);
  if (!process) throw handlerError("Agent error: Invalid parameter 'pid'");
  if (ctx.rt.state.nowMs() < process.finishesAt) return { exited: 0 };
  vm.execs.delete(pid);
  return {
    exited: 1,
    exitcode: process.exitcode,
    ...(process.out ? { "out-data": process.out } : {}),
    ...(process.err ? { "err-data": process.err } : {}),
  };
}

export const agentRoutes: RouteDefinition[] = [
  {
    method: "POST",
    path: "/nodes/{node}/qemu/{vmid}/agent/ping",
    handler: (ctx) => {
      agentVm(ctx);
      return { result: {} };
    },
  },
  { method: "GET", path: "/nodes/{node}/qemu/{vmid}/agent/get-osinfo", handler: osinfo },
  { method: "GET", path: "/nodes/{node}/qemu/{vmid}/agent/network-get-interfaces", handler: interfaces },
  { method: "POST", path: "/nodes/{node}/qemu/{vmid}/agent/exec", handler: exec },
  { method: "GET", path: "/nodes/{node}/qemu/{vmid}/agent/exec-status", handler: execStatus },
];
