/**
 * Runs one command in a guest through the agent and waits for it: `agent/exec` starts it, `exec-status`
 * is polled (paced by how long the same command took before) until it has exited or the timeout passes.
 * PVE forgets a pid after its first `exited` answer, so a caller that resumes after a crash cannot read
 * an old result twice; it looks at the guest instead.
 */
import { type Proxmox, ProxmoxError } from "../proxmox.js";
import type { Pacer } from "./pacer.js";

export interface GuestResult {
  exitcode: number;
  out: string;
  err: string;
}

export interface GuestExec {
  proxmox: Proxmox;
  pacer: Pacer;
  /** Pause between exec-status polls once the learned duration has passed. */
  pollMs: number;
}

/** `sh -c <script>`: one exec for a whole sequence of commands. */
export function shell(script: string): string[] {
  return ["/bin/sh", "-c", script];
}

/** Starts `argv`, lets the caller persist the pid, and waits for the result. */
export async function runInGuest(
  deps: GuestExec,
  vm: { node: string; vmid: number },
  argv: string[],
  timeoutMs: number,
  onStarted?: (pid: number) => Promise<void>,
): Promise<GuestResult> {
  const pid = await deps.proxmox.agentExec(vm.node, vm.vmid, argv);
  await onStarted?.(pid);
  return waitForGuest(deps, vm, pid, timeoutMs, argv);
}

/** Polls a started guest process until it exits; a process still running at the timeout is an error. */
export async function waitForGuest(
  deps: GuestExec,
  vm: { node: string; vmid: number },
  pid: number,
  timeoutMs: number,
  argv: string[],
): Promise<GuestResult> {
  const what = argv[argv.length - 1] ?? "";
  const result = await deps.pacer.until(
    `exec:${what}`,
    async () => {
      const status = await deps.proxmox.agentExecStatus(vm.node, vm.vmid, pid);
      if (!status.exited) return undefined;
      return {
        exitcode: status.exitcode ?? (status.signal !== undefined ? 128 + status.signal : -1),
        out: status.outData ?? "",
        err: status.errData ?? "",
      };
    },
    { pollMs: deps.pollMs, timeoutMs },
  );
  if (!result) {
    throw new ProxmoxError(
      "E_PVE",
      `VM ${vm.vmid}: "${what.slice(0, 80)}" still running after ${Math.round(timeoutMs / 1000)} s (guest pid ${pid})`,
    );
  }
  return result;
}

/** The last lines of a command's output, for a failure report. */
export function tail(result: Pick<GuestResult, "out" | "err">, lines = 8): string {
  const all = `${result.out}${result.err}`.split("\n").filter((l) => l.trim() !== "");
  return all.slice(-lines).join("\n");
}
