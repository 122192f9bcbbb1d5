/**
 * Deleting templates (`template delete`, `template prune`). Both are destructive commands, so they run
 * only after a second person approved. A template with linked clones is never deleted: PVE would fail
 * the task half-way ("base volume … is still in use by linked clones"), so the bot refuses first and
 * names the clones.
 */

import { UserError } from "../../errors.js";
import type { Proxmox } from "../../proxmox.js";
import { looksLikeVmid } from "../../pve/ids.js";
import type { TaskFollower } from "../../tasks/follow-task.js";
import type { Reply } from "../../vocabulary/reply.js";
import { linkedClones, listTemplates, type TemplateRecord } from "./inventory.js";

/** Finds a template by VMID or name; a VM that is not a template is refused, so is an ambiguous name. */
export async function findTemplate(proxmox: Proxmox, ref: string): Promise<TemplateRecord> {
  const all = await listTemplates(proxmox);
  const byId = looksLikeVmid(ref) ? all.filter((t) => t.vmid === Number(ref)) : [];
  const matches = byId.length > 0 ? byId : all.filter((t) => t.name === ref);
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    throw new UserError(
      "E_ARGS",
      `"${ref}" names ${matches.length} templates (VMIDs ${matches.map((t) => t.vmid).join(", ")}); give the VMID`,
    );
  }
  const known = all.slice(0, 8).map((t) => `${t.vmid} ${t.name}`);
  throw new UserError(
    "E_NOT_FOUND",
    `no template built by the bot is called "${ref}"${known.length > 0 ? `; templates: ${known.join(", ")}` : ""} (see \`template list\`)`,
  );
}

async function destroy(proxmox: Proxmox, follower: TaskFollower, t: TemplateRecord): Promise<void> {
  await follower.follow(
    await proxmox.destroyVm(t.node, t.vmid, { purge: true, destroyUnreferencedDisks: true }),
  );
}

export async function deleteTemplate(proxmox: Proxmox, follower: TaskFollower, ref: string): Promise<Reply> {
  const t = await findTemplate(proxmox, ref);
  const clones = await linkedClones(proxmox, t.vmid);
  if (clones.length > 0) {
    throw new UserError(
      "E_ARGS",
      `template ${t.vmid} (${t.name}) still has linked clones: VM ${clones.join(", ")}; delete or full-clone them first`,
    );
  }
  await destroy(proxmox, follower, t);
  return {
    title: `Template ${t.vmid} deleted`,
    text: `${t.name} on ${t.node} was destroyed with its disks.`,
    tone: "success",
    visibility: "channel",
  };
}

/** Superseded templates beyond the newest `keep` per distro and node, oldest last in each group. */
export function pruneCandidates(templates: readonly TemplateRecord[], keep: number): TemplateRecord[] {
  const groups = new Map<string, TemplateRecord[]>();
  for (const t of templates) {
    if (!t.superseded) continue;
    const key = `${t.distro}\u0000${t.node}`;
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  return [...groups.values()].flatMap((group) =>
    group.sort((a, b) => (b.meta?.builtAt ?? 0) - (a.meta?.builtAt ?? 0) || b.vmid - a.vmid).slice(keep),
  );
}

export async function pruneTemplates(proxmox: Proxmox, follower: TaskFollower, keep: number): Promise<Reply> {
  const candidates = pruneCandidates(await listTemplates(proxmox), keep);
  const removed: string[] = [];
  const kept: string[] = [];
  const failed: string[] = [];
  for (const t of candidates) {
    const clones = await linkedClones(proxmox, t.vmid);
    if (clones.length > 0) {
      kept.push(`${t.vmid} ${t.name} (linked clones: ${clones.join(", ")})`);
      continue;
    }
    try {
      await destroy(proxmox, follower, t);
      removed.push(`${t.vmid} ${t.name}`);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      failed.push(`${t.vmid} ${t.name}: ${err.message}`);
    }
  }
  const lines = [
    removed.length > 0
      ? `Removed: ${removed.join(", ")}.`
      : `Nothing to remove: no distro has more than ${keep} superseded versions.`,
    ...(kept.length > 0 ? [`Kept because of linked clones: ${kept.join("; ")}.`] : []),
    ...(failed.length > 0 ? [`Failed: ${failed.join("; ")}.`] : []),
  ];
  return {
    title: `Template prune (keep ${keep})`,
    text: lines.join("\n"),
    tone: failed.length > 0 ? "warning" : "success",
    visibility: "channel",
  };
}
