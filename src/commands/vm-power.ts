/**
 * The four power commands share one shape: a VM reference, a resolved target, one PVE task. Each is
 * defined in its own file (vm-start.ts …) from this factory so they cannot drift apart.
 */
import { z } from "zod";
import { type PowerAction, powerVm } from "../services/provision/power.js";
import { findVm, type VmTarget, vmTarget } from "../services/provision/vm-target.js";
import { vmRefArg } from "../services/pve/id-schemas.js";
import { type CommandContext, type CommandDefinition, defineCommand } from "./definition.js";
import { provisionOf } from "./service-guards.js";
import { actionReply } from "./visibility.js";

const SUMMARY: Record<PowerAction, string> = {
  start: "Start a VM",
  shutdown: "Shut a VM down cleanly (ACPI)",
  reboot: "Reboot a VM through ACPI",
  stop: "Stop a VM at once, like pulling the plug",
};

export const vmRef = z.object({ vm: vmRefArg });

export async function resolveVm(ctx: CommandContext, args: { vm: string }) {
  return vmTarget(await findVm(provisionOf(ctx.services).proxmox, args.vm));
}

export function powerCommand(action: PowerAction, destructive: boolean): CommandDefinition {
  return defineCommand<typeof vmRef, VmTarget>({
    name: `vm.${action}`,
    summary: SUMMARY[action],
    args: vmRef,
    positionals: [{ name: "vm" }],
    suggest: { vm: "vm" },
    permission: "operator",
    destructive,
    resolve: resolveVm,
    async run(ctx, args, target) {
      const deps = provisionOf(ctx.services);
      const vm = (target ?? (await resolveVm(ctx, args))).value;
      return actionReply(await powerVm(deps, vm, action));
    },
  });
}
