import { z } from "zod";
import { formatUtc } from "../services/format.js";
import { checkSnapshotName } from "../services/pve/ids.js";
import { vmIdentity } from "../services/updates/resolve.js";
import { findRollbackTarget, type RollbackTarget, rollbackVm } from "../services/updates/snapshot-ops.js";
import { type CommandContext, defineCommand, type ResolvedTarget } from "./definition.js";
import { updatesOf } from "./service-guards.js";
import { actionReply } from "./visibility.js";

const rollbackArgs = z.object({
  vm: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$/, "a VM id or name")
    .describe("VM id or name"),
  snapshot: z
    .string()
    .refine((s) => {
      try {
        checkSnapshotName(s);
        return true;
      } catch {
        return false;
      }
    }, "a snapshot name: a letter first, 2 to 40 letters, digits, - or _")
    .optional()
    .describe("Snapshot to go back to; the newest the bot took when omitted"),
});

async function resolveRollback(
  ctx: CommandContext,
  args: z.infer<typeof rollbackArgs>,
): Promise<ResolvedTarget<RollbackTarget>> {
  const target = await findRollbackTarget(updatesOf(ctx.services), args.vm, args.snapshot);
  const { vm, snapshot } = target;
  return {
    // The VM's creation time makes a VM recreated under the same id and name a different target, the
    // snapshot's time a snapshot deleted and re-taken under the same name.
    identity: `vm=${vmIdentity(vm)} snapshot=${snapshot.name} snaptime=${snapshot.takenAt ?? 0}`,
    fields: [
      { label: "VM", value: `${vm.vmid} ${vm.name} on ${vm.node}` },
      { label: "Snapshot", value: snapshot.name },
      { label: "Taken", value: snapshot.takenAt ? formatUtc(snapshot.takenAt) : "unknown" },
      { label: "After", value: target.running ? "started again" : "left stopped" },
    ],
    value: target,
  };
}

export const updateRollback = defineCommand<typeof rollbackArgs, RollbackTarget>({
  name: "update.rollback",
  summary: "Roll a VM back to its newest update snapshot",
  args: rollbackArgs,
  positionals: [{ name: "vm" }],
  suggest: { vm: "vm" },
  permission: "operator",
  destructive: true,
  resolve: resolveRollback,
  async run(ctx, args, resolved) {
    const target = (resolved ?? (await resolveRollback(ctx, args))).value;
    await rollbackVm(updatesOf(ctx.services), target);
    return actionReply({
      text: `VM ${target.vm.vmid} ${target.vm.name} is back at ${target.snapshot.name}${target.running ? " and running" : ""}.`,
      tone: "success",
    });
  },
});
