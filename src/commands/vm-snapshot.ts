import { z } from "zod";
import { defaultSnapshotName, snapshotVm } from "../services/provision/power.js";
import { findVm } from "../services/provision/vm-target.js";
import { vmRefArg } from "../services/pve/id-schemas.js";
import { actorLabel } from "../services/templates/build/metadata.js";
import { defineCommand } from "./definition.js";
import { provisionOf } from "./service-guards.js";
import { actionReply } from "./visibility.js";

export const vmSnapshot = defineCommand({
  name: "vm.snapshot",
  summary: "Take a snapshot of a VM",
  args: z.object({
    vm: vmRefArg,
    name: z
      .string()
      .max(40)
      .regex(/^[a-z][a-z0-9_-]+$/i, "a snapshot name starts with a letter; letters, digits, - and _")
      .optional()
      .describe("Snapshot name"),
  }),
  positionals: [{ name: "vm" }, { name: "name" }],
  suggest: { vm: "vm" },
  permission: "operator",
  destructive: false,
  async run(ctx, args) {
    const deps = provisionOf(ctx.services);
    const vm = await findVm(deps.proxmox, args.vm);
    return actionReply(
      await snapshotVm(deps, vm, args.name ?? defaultSnapshotName(ctx.clock.now()), actorLabel(ctx.actor)),
    );
  },
});
