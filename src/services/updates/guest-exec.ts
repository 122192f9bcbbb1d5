/**
 * Runs one command in a guest through the agent and waits for it: `agent/exec` starts it, `exec-status`
 * is polled until it has exited or the timeout passes. PVE forgets a pid after its first `exited` answer,
 * so a caller that resumes after a crash cannot read an old result twice; it looks at the guest instead.
 */

import type { Clock } from "../ports.js";
import { type Proxmox, ProxmoxError } from "../proxmox.js";
import type { Sleep } from "../tasks/follow-task.js";

export interface GuestResult {
  exitcode: number;
  out: string;
  err: string;
}

export interface GuestExec {
  proxmox: Proxmox;
  clock: Clock;
  sleep: Sleep;
  /** Pause between exec-status polls. */
  pollMs: number;
}

/** `sh -c <script>`: one exec for a whole sequence of commands. */
export function shell(script: string): string[] {
  return ["/bin/sh", "-c", script];
}

/** Starts `argv` and returns its pid; `onStarted` lets the caller persist it before waiting. */
export async function runInGuest(
  deps: GuestExec,
  vm: { node: string; vmid: number },
  argv: string[],
  timeoutMs: number,
  onStarted?: (pid: number) => Promise<void>,
): Promise<GuestResult> {
  const pid = await deps.proxmox.agentExec(vm.node, vm.vmid, argv);
  await onStarted?.(pid);
  return waitForGuest(deps, vm, pid, timeoutMs, argv[argv.length - 1] ?? "");
}

/** Polls a started guest process until it exits; a process still running at the timeout is an error. */
export async function waitForGuest(
  deps: GuestExec,
  vm: { node: string; vmid: number },
  pid: number,
  timeoutMs: number,
  what: string,
): Promise<GuestResult> {
  const started = deps.clock.now();
  for (;;) {
    await deps.sleep(deps.pollMs);
    const status = await deps.proxmox.agentExecStatus(vm.node, vm.vmid, pid);
    if (status.exited) {
      return {
        exitcode: status.exitcode ?? (status.signal !== undefined ? 128 + status.signal : -1),
        out: status.outData ?? "",
        err: status.errData ?? "",
      };
    }
    if (deps.clock.now() - started >= timeoutMs) {
      throw new ProxmoxError(
        "E_PVE",
        `VM ${vm.vmid}: "${what.slice(0, 80)}" still running after ${Math.round(timeoutMs / 1000)} s (guest pid ${pid})`,
      );
    }
  }
}

/** The last lines of a command's output, for a failure report. */
export function tail(result: Pick<GuestResult, "out" | "err">, lines = 8): string {
  const all = `${result.out}${result.err}`.split("\n").filter((l) => l.trim() !== "");
  return all.slice(-lines).join("\n");
}
