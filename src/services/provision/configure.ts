/**
 * Steps 3 and 4: the clone's settings (cores, memory, cloud-init, network, tags, agent) in one config
 * change, then the disk grown to the wanted size. A config change is safe to repeat, but a lost answer
 * is still checked first: the config is read, and the change is sent again only when it is not there.
 */
import type { VmConfig } from "../proxmox.js";
import { answerLost } from "../templates/build/recover.js";
import type { CreateContext, ProvisionServices } from "./deps.js";
import { eachVm, followOwnTask, type VmProgress } from "./each-vm.js";

/** `net0` with the bridge and VLAN the request asks for, keeping the model and MAC the clone got. */
function network(current: string | number | undefined, bridge?: string, vlan?: number): string | undefined {
  if (current === undefined || (bridge === undefined && vlan === undefined)) return undefined;
  const parts = String(current)
    .split(",")
    .filter(
      (p) =>
        !(bridge !== undefined && p.startsWith("bridge=")) && !(vlan !== undefined && p.startsWith("tag=")),
    );
  if (bridge !== undefined) parts.push(`bridge=${bridge}`);
  if (vlan !== undefined) parts.push(`tag=${vlan}`);
  return parts.join(",");
}

export function configChanges(
  ctx: CreateContext,
  index: number,
  config: VmConfig,
): Record<string, string | number> {
  const d = ctx.data;
  const plan = d.vms[index]!;
  const net0 = network(config.net0, d.bridge, d.vlan);
  const tags = [
    ...new Set([
      ...String(config.tags ?? "")
        .split(/[;,\s]+/)
        .filter(Boolean),
      ...d.tags,
    ]),
  ]
    // The template's own markers say what the template is, not what the VM is.
    .filter((t) => t !== "tmpl" && t !== "superseded");
  return {
    ...(d.cores !== undefined ? { cores: d.cores } : {}),
    ...(d.memoryMiB !== undefined ? { memory: String(d.memoryMiB) } : {}),
    ...(d.ciuser !== undefined ? { ciuser: d.ciuser } : {}),
    ...(d.sshKeys !== undefined ? { sshkeys: d.sshKeys } : {}),
    ...(plan.ipconfig !== undefined ? { ipconfig0: plan.ipconfig } : {}),
    ...(d.nameserver !== undefined ? { nameserver: d.nameserver } : {}),
    ...(d.searchdomain !== undefined ? { searchdomain: d.searchdomain } : {}),
    ...(d.cicustom !== undefined ? { cicustom: d.cicustom } : {}),
    ...(net0 !== undefined ? { net0 } : {}),
    // IPs are read from the agent, so a VM the job starts needs it enabled.
    ...(d.start && !/^(1|enabled=1)(,|$)/.test(String(config.agent ?? "")) ? { agent: "enabled=1" } : {}),
    tags: tags.join(";"),
  };
}

/** True when every change is in the config (sshkeys come back URL-encoded, as PVE stores them). */
function applied(config: VmConfig, changes: Record<string, string | number>): boolean {
  return Object.entries(changes).every(([key, value]) => {
    const now = config[key];
    if (key === "sshkeys") return typeof now === "string" && decodeURIComponent(now) === value;
    return String(now) === String(value);
  });
}

export async function configureStep(deps: ProvisionServices, ctx: CreateContext): Promise<void> {
  await eachVm(deps, ctx, (i, vm) => configureOne(deps, ctx, i, vm), "configuring");
}

async function configureOne(deps: ProvisionServices, ctx: CreateContext, i: number, vm: VmProgress) {
  if (vm.configured) return;
  const { node } = ctx.data.vms[i]!;
  const config = await deps.proxmox.vmConfig(node, vm.vmid!);
  const changes = configChanges(ctx, i, config);
  if (!applied(config, changes)) {
    try {
      await deps.proxmox.updateVmConfig(node, vm.vmid!, changes, { digest: config.digest });
    } catch (err) {
      if (!answerLost(err)) throw err;
      await deps.sleep(deps.settleMs ?? 2000, ctx.signal);
      const after = await deps.proxmox.vmConfig(node, vm.vmid!);
      if (!applied(after, changes))
        await deps.proxmox.updateVmConfig(node, vm.vmid!, changes, { digest: after.digest });
    }
  }
  vm.configured = true;
}

/** Step 4: grow the boot disk; PVE runs the resize as a task. */
export async function resizeStep(deps: ProvisionServices, ctx: CreateContext): Promise<void> {
  const { diskGiB, template } = ctx.data;
  if (diskGiB === undefined) return;
  await eachVm(
    deps,
    ctx,
    async (i, vm) => {
      if (vm.resized) return;
      const { node } = ctx.data.vms[i]!;
      const size = `${diskGiB}G`;
      if (vm.resizeUpid === undefined) {
        if (
          vm.resizeSentAt !== undefined &&
          (await diskAtLeast(deps, node, vm.vmid!, template.diskKey, diskGiB))
        ) {
          vm.resized = true;
          return;
        }
        vm.resizeSentAt = deps.clock.now();
        await ctx.save();
        vm.resizeUpid = await deps.proxmox.resizeDisk(node, vm.vmid!, template.diskKey, size);
        await ctx.save();
      }
      await followOwnTask(deps, ctx, vm, "resizeUpid", "resizeSentAt");
      vm.resized = true;
    },
    "growing disks",
  );
}

async function diskAtLeast(deps: ProvisionServices, node: string, vmid: number, key: string, gib: number) {
  const value = String((await deps.proxmox.vmConfig(node, vmid))[key] ?? "");
  const size = /(?:^|,)size=(\d+(?:\.\d+)?)([KMGT])?/.exec(value);
  if (!size) return false;
  const factor = { K: 1 / 1024 ** 2, M: 1 / 1024, G: 1, T: 1024 }[size[2] ?? "G"] ?? 1;
  return Number(size[1]) * factor >= gib;
}
