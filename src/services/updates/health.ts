/**
 * Health after an update: the agent answers again (within the agent timeout, as a reboot takes it away
 * for a while), systemd is not degraded where the guest has systemd, and the per-tag HTTP/TCP checks
 * from config pass. Returns the first problem as text, or undefined when the VM is healthy.
 */
import { ProxmoxError } from "../proxmox.js";
import type { UpdateServices } from "./deps.js";
import { runInGuest } from "./guest-exec.js";
import type { TargetVm } from "./targets.js";

/** Waits until the agent answers a ping; returns the problem when it did not within `timeoutMs`. */
export async function waitForAgent(
  deps: UpdateServices,
  vm: TargetVm,
  timeoutMs: number,
): Promise<string | undefined> {
  let last = "";
  const up = await deps.pacer.until(
    "agent-back",
    async () => {
      try {
        await deps.proxmox.agentPing(vm.node, vm.vmid);
        return true;
      } catch (err) {
        if (!(err instanceof ProxmoxError)) throw err;
        last = err.pveMessage ?? err.message;
        return undefined;
      }
    },
    { pollMs: deps.config.pollInterval, timeoutMs },
  );
  return up ? undefined : `guest agent did not answer within ${Math.round(timeoutMs / 1000)} s (${last})`;
}

/** systemd's verdict; `starting` right after a boot is waited out within the agent timeout. */
async function systemdProblem(deps: UpdateServices, vm: TargetVm): Promise<string | undefined> {
  const exec = { proxmox: deps.proxmox, pacer: deps.pacer, pollMs: deps.config.pollInterval };
  let state = "";
  const settled = await deps.pacer.until(
    "systemd-settled",
    async () => {
      try {
        const r = await runInGuest(exec, vm, ["systemctl", "is-system-running"], deps.config.timeouts.check);
        state = r.out.trim().split("\n")[0] ?? "";
      } catch (err) {
        // No systemctl in the guest (Alpine's OpenRC): the agent cannot spawn it. Nothing to check then.
        if (
          err instanceof ProxmoxError &&
          /Failed to execute child process/.test(err.pveMessage ?? err.message)
        )
          return "no systemd";
        throw err;
      }
      return state === "starting" || state === "initializing" ? undefined : state;
    },
    // The first look goes out at once: a settled system answers the first exec.
    { pollMs: deps.config.pollInterval, timeoutMs: deps.config.timeouts.agent, firstLookAtOnce: true },
  );
  if (settled === "running" || settled === "no systemd") return undefined;
  return `systemctl is-system-running: ${settled ?? `still ${state} after ${Math.round(deps.config.timeouts.agent / 1000)} s`}`;
}

async function vmAddress(deps: UpdateServices, vm: TargetVm): Promise<string | undefined> {
  const interfaces = await deps.proxmox.agentNetworkInterfaces(vm.node, vm.vmid);
  for (const i of interfaces) {
    if (i.name === "lo") continue;
    const v4 = i.addresses.find((a) => a.family === "ipv4" && !a.address.startsWith("169.254."));
    if (v4) return v4.address;
  }
  return undefined;
}

async function probeProblems(deps: UpdateServices, vm: TargetVm): Promise<string | undefined> {
  const checks = vm.tags.flatMap((tag) => (deps.config.healthChecks[tag] ?? []).map((c) => ({ tag, ...c })));
  if (checks.length === 0) return undefined;
  const address = await vmAddress(deps, vm);
  if (!address) return "health checks: the guest agent reports no IPv4 address";
  const timeout = deps.config.timeouts.check;
  for (const check of checks) {
    if ("http" in check) {
      const url = check.http.replaceAll("{ip}", address);
      try {
        const status = await deps.probes.http(url, timeout);
        if (status < 200 || status > 299) return `HTTP check ${url} (tag ${check.tag}): status ${status}`;
      } catch (err) {
        return `HTTP check ${url} (tag ${check.tag}): ${reason(err)}`;
      }
    } else {
      try {
        await deps.probes.tcp(address, check.tcp, timeout);
      } catch (err) {
        return `TCP check ${address}:${check.tcp} (tag ${check.tag}): ${reason(err)}`;
      }
    }
  }
  return undefined;
}

function reason(err: unknown): string {
  if (err instanceof Error) {
    const code =
      (err as { code?: unknown; cause?: { code?: unknown } }).code ??
      (err as { cause?: { code?: unknown } }).cause?.code;
    return typeof code === "string" ? code : err.message;
  }
  return String(err);
}

/** The agent is waited for only after a reboot: otherwise it has just answered the upgrade's exec. */
export async function healthProblem(
  deps: UpdateServices,
  vm: TargetVm,
  options: { rebooted: boolean },
): Promise<string | undefined> {
  return (
    (options.rebooted ? await waitForAgent(deps, vm, deps.config.timeouts.agent) : undefined) ??
    (await systemdProblem(deps, vm)) ??
    (await probeProblems(deps, vm))
  );
}
