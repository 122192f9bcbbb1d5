/**
 * Steps 5 to 7: start the VM, wait for its guest agent and its first IPv4 address, and run the profile's
 * post-boot steps in the guest through the agent (`/bin/sh -c`, bounded by each step's timeout, passing
 * on the step's expected exit codes). A failed step's output tail goes into the error the card shows.
 */
import { UserError } from "../errors.js";
import { ProxmoxError } from "../proxmox.js";
import { answerLost } from "../templates/build/recover.js";
import type { CreateContext, ProvisionServices } from "./deps.js";
import { eachVm, followOwnTask, type VmProgress } from "./each-vm.js";

/** Lines of a failed step's output shown on the card. */
const TAIL_LINES = 8;

export async function startStep(deps: ProvisionServices, ctx: CreateContext): Promise<void> {
  if (!ctx.data.start) return;
  await eachVm(deps, ctx, (i, vm) => startOne(deps, ctx, i, vm), "starting");
}

async function startOne(deps: ProvisionServices, ctx: CreateContext, i: number, vm: VmProgress) {
  if (vm.started) return;
  const { node } = ctx.data.vms[i]!;
  if (vm.startUpid === undefined) {
    if (vm.startSentAt !== undefined && (await deps.proxmox.vmStatus(node, vm.vmid!)).status === "running") {
      vm.started = true;
      return;
    }
    vm.startSentAt = deps.clock.now();
    await ctx.save();
    try {
      vm.startUpid = await deps.proxmox.startVm(node, vm.vmid!);
    } catch (err) {
      if (!answerLost(err)) throw err;
      await deps.sleep(deps.settleMs ?? 2000, ctx.signal);
      if ((await deps.proxmox.vmStatus(node, vm.vmid!)).status !== "running") throw err;
      vm.started = true;
      return;
    }
    await ctx.save();
  }
  await followOwnTask(deps, ctx, vm, "startUpid", "startSentAt");
  vm.started = true;
  vm.startedAt = deps.clock.now();
}

/**
 * The agent's answers while the guest boots: not running yet, or no answer within PVE's wait. A VM that
 * is not running at all (it crashed or someone stopped it) will never answer, so that is an error.
 */
const booting = (err: unknown) =>
  err instanceof ProxmoxError &&
  /QEMU guest agent is not running|got timeout|timeout/i.test(`${err.message} ${err.pveMessage ?? ""}`);

export async function agentStep(deps: ProvisionServices, ctx: CreateContext): Promise<void> {
  if (!ctx.data.start) return;
  await eachVm(deps, ctx, (i, vm) => waitForAddress(deps, ctx, i, vm), "waiting for the guest agent");
}

async function waitForAddress(deps: ProvisionServices, ctx: CreateContext, i: number, vm: VmProgress) {
  if (vm.ips && vm.ips.length > 0) return;
  const { node, name } = ctx.data.vms[i]!;
  const deadline = deps.clock.now() + ctx.data.agentTimeoutMs;
  const since = vm.startedAt ?? deps.clock.now();
  const key = `boot:${ctx.data.template.vmid}`;
  for (let look = 0; ; look++) {
    await deps.sleep(deps.pacer.delay(key, look, deps.clock.now() - since), ctx.signal);
    try {
      const ips = (await deps.proxmox.agentNetworkInterfaces(node, vm.vmid!))
        .filter((n) => n.name !== "lo")
        .flatMap((n) => n.addresses.filter((a) => a.family === "ipv4" && !a.address.startsWith("127.")))
        .map((a) => a.address);
      if (ips.length > 0) {
        deps.pacer.learn(key, deps.clock.now() - since, look === 0);
        vm.ips = ips;
        return;
      }
    } catch (err) {
      if (!booting(err)) throw err;
    }
    if (deps.clock.now() >= deadline) {
      throw new UserError(
        "E_JOB",
        `the guest agent of ${name} (VM ${vm.vmid}) gave no IPv4 address within ${Math.round(ctx.data.agentTimeoutMs / 1000)} s; ` +
          "is qemu-guest-agent installed in the template?",
      );
    }
  }
}

export async function postBootStep(deps: ProvisionServices, ctx: CreateContext): Promise<void> {
  if (ctx.data.postBoot.length === 0) return;
  await eachVm(deps, ctx, (i, vm) => runSteps(deps, ctx, i, vm), "post-boot steps");
}

function tail(text: string | undefined): string {
  const lines = (text ?? "").trimEnd().split("\n");
  return lines.slice(-TAIL_LINES).join("\n");
}

async function runSteps(deps: ProvisionServices, ctx: CreateContext, i: number, vm: VmProgress) {
  const { node, name } = ctx.data.vms[i]!;
  const steps = ctx.data.postBoot;
  for (let s = vm.stepsDone ?? 0; s < steps.length; s++) {
    const step = steps[s]!;
    let pid: number;
    try {
      pid = await deps.proxmox.agentExec(node, vm.vmid!, ["/bin/sh", "-c", step.run], step.input);
    } catch (err) {
      if (answerLost(err)) {
        // The command may be running in the guest; starting it a second time could do its work twice.
        throw new UserError(
          "E_PVE",
          `no answer when starting post-boot step ${step.name} on ${name}; not sent again`,
        );
      }
      throw err;
    }
    const sent = deps.clock.now();
    const deadline = sent + step.timeout;
    const key = `step:${step.name}`;
    for (let look = 0; ; look++) {
      await deps.sleep(deps.pacer.delay(key, look, deps.clock.now() - sent), ctx.signal);
      const status = await deps.proxmox.agentExecStatus(node, vm.vmid!, pid);
      if (status.exited) {
        const code = status.exitcode ?? -1;
        if (!step.expectExit.includes(code)) {
          const output = tail(`${status.outData ?? ""}${status.errData ? `\n${status.errData}` : ""}`);
          throw new UserError(
            "E_JOB",
            `post-boot step ${step.name} on ${name} (VM ${vm.vmid}) exited with ${code} (expected ${step.expectExit.join(" or ")})` +
              (output ? `; output ends:\n${output}` : ""),
          );
        }
        deps.pacer.learn(key, deps.clock.now() - sent, look === 0);
        break;
      }
      if (deps.clock.now() >= deadline) {
        throw new UserError(
          "E_JOB",
          `post-boot step ${step.name} on ${name} (VM ${vm.vmid}) still ran after ${Math.round(step.timeout / 1000)} s`,
        );
      }
    }
    vm.stepsDone = s + 1;
    await ctx.save();
  }
}
