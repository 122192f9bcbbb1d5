/**
 * What an approval of an update binds to: the expanded VMs (id, name and PVE's creation time, so a VM
 * recreated under the same id, even with the same name, or a VM that joined the tag since is a different
 * target), shown as a table on the card.
 */
import { UserError } from "../errors.js";
import type { Proxmox } from "../proxmox.js";
import type { ReplyField, ReplyTable } from "../vocabulary/reply.js";
import { type Expansion, expandTargets, type Need, parseTargets, type TargetVm } from "./targets.js";

export interface ResolvedVms {
  identity: string;
  fields: ReplyField[];
  table: ReplyTable;
  value: Expansion;
}

export async function resolveVms(
  proxmox: Proxmox,
  words: readonly string[],
  need: Need,
): Promise<ResolvedVms> {
  const expansion = await expandTargets(proxmox, parseTargets(words), { need });
  if (expansion.vms.length === 0) {
    const why = expansion.skipped.map((s) => `${s.target}: ${s.reason}`).join("; ");
    throw new UserError("E_NOT_FOUND", `no VM to update for "${words.join(" ")}"${why ? ` (${why})` : ""}`);
  }
  return {
    identity: expansion.vms.map(vmIdentity).join(","),
    fields: [
      { label: "Target", value: words.join(" ") },
      { label: "VMs", value: `${expansion.vms.length} to update, ${expansion.skipped.length} skipped` },
    ],
    table: {
      columns: ["VM", "Node", "Tags", "Action"],
      rows: [
        ...expansion.vms.map((v) => [`${v.vmid} ${v.name}`, v.node, v.tags.join(" "), "update"]),
        ...expansion.skipped.map((s) => [s.target, s.node ?? "", "", `skip: ${s.reason}`]),
      ],
    },
    value: expansion,
  };
}

/** `300:web-a:ctime=1733300000`; `ctime=?` for a VM whose config has no creation time (an old VM). */
export function vmIdentity(vm: Pick<TargetVm, "vmid" | "name" | "createdAt">): string {
  return `${vm.vmid}:${vm.name}:ctime=${vm.createdAt === undefined ? "?" : Math.floor(vm.createdAt / 1000)}`;
}
