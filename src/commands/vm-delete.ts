import { checkDeletable, deleteVm } from "../services/provision/power.js";
import { findVm, type VmTarget, vmTarget } from "../services/provision/vm-target.js";
import { defineCommand } from "./definition.js";
import { provisionOf } from "./service-guards.js";
import { actionReply } from "./visibility.js";
import { vmRef } from "./vm-power.js";

export const vmDelete = defineCommand<typeof vmRef, VmTarget>({
  name: "vm.delete",
  summary: "Delete a VM of the bot's pool with its disks",
  args: vmRef,
  positionals: [{ name: "vm" }],
  suggest: { vm: "vm" },
  permission: "operator",
  destructive: true,
  // Refused before an approval is even asked for: templates and VMs outside the bot's pool.
  async resolve(ctx, args) {
    const deps = provisionOf(ctx.services);
    const vm = await findVm(deps.proxmox, args.vm);
    checkDeletable(vm, deps.pool);
    return vmTarget(vm);
  },
  async run(ctx, args, target) {
    const deps = provisionOf(ctx.services);
    const vm = (target ?? (await vmDelete.resolve!(ctx, args as never))).value as VmTarget;
    return actionReply(await deleteVm(deps, vm));
  },
});
