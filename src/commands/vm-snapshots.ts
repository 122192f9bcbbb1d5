import { snapshotsReply } from "../services/provision/power.js";
import { findVm } from "../services/provision/vm-target.js";
import { defineCommand } from "./definition.js";
import { provisionOf } from "./service-guards.js";
import { readReply } from "./visibility.js";
import { vmRef } from "./vm-power.js";

export const vmSnapshots = defineCommand({
  name: "vm.snapshots",
  summary: "A VM's snapshots",
  args: vmRef,
  positionals: [{ name: "vm" }],
  suggest: { vm: "vm" },
  permission: "viewer",
  destructive: false,
  async run(ctx, args) {
    const deps = provisionOf(ctx.services);
    return readReply(await snapshotsReply(deps.proxmox, await findVm(deps.proxmox, args.vm)));
  },
});
