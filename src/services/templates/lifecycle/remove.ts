/**
 * Deleting templates (`template delete`, `template prune`). Both are destructive commands, so they run
 * only after a second person approved. A template with linked clones is never deleted: PVE would fail
 * the task half-way ("base volume … is still in use by linked clones"), so the bot refuses first and
 * names the clones.
 */

import { UserError } from "../../errors.js";
import { formatUtc } from "../../format.js";
import type { Proxmox } from "../../proxmox.js";
import { looksLikeVmid } from "../../pve/ids.js";
import type { TaskFollower } from "../../tasks/follow-task.js";
import type { Reply, ReplyField } from "../../vocabulary/reply.js";
import type { ResolvedTarget } from "../../vocabulary/target.js";
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

/**
 * What makes this template this one and not a later one under the same VMID: PVE's creation time and the
 * build's job id. Either alone would do for templates the bot built; together they also cover one whose
 * description block was edited away.
 */
export function templateIdentity(t: TemplateRecord): string {
  return `vmid=${t.vmid} node=${t.node} name=${t.name} ctime=${t.createdAt ?? "?"} job=${t.meta?.jobId ?? "?"}`;
}

function templateFields(t: TemplateRecord): ReplyField[] {
  return [
    { label: "Template", value: `${t.name} (VMID ${t.vmid}) on ${t.node}` },
    ...(t.meta
      ? [
          { label: "Built", value: `${formatUtc(t.meta.builtAt)} by ${t.meta.builtBy}` },
          { label: "Image", value: `${t.meta.algorithm}:${t.meta.checksum.slice(0, 16)}…` },
        ]
      : []),
  ];
}

async function refuseLinkedClones(proxmox: Proxmox, t: TemplateRecord): Promise<void> {
  const clones = await linkedClones(proxmox, t.vmid);
  if (clones.length > 0) {
    throw new UserError(
      "E_ARGS",
      `template ${t.vmid} (${t.name}) still has linked clones: VM ${clones.join(", ")}; delete or full-clone them first`,
    );
  }
}

/**
 * The template `template delete` acts on, found before approval: a missing template, or one with linked
 * clones, is refused before anyone is asked to approve.
 */
export async function resolveTemplateToDelete(
  proxmox: Proxmox,
  ref: string,
): Promise<ResolvedTarget<TemplateRecord>> {
  const t = await findTemplate(proxmox, ref);
  await refuseLinkedClones(proxmox, t);
  return {
    identity: templateIdentity(t),
    fields: [...templateFields(t), { label: "Linked clones", value: "none" }],
    value: t,
  };
}

/** Deletes the template resolved (and approved) just now; clones made since approval still stop it. */
export async function deleteTemplate(
  proxmox: Proxmox,
  follower: TaskFollower,
  t: TemplateRecord,
): Promise<Reply> {
  await refuseLinkedClones(proxmox, t);
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

/**
 * The templates `template prune` would delete, found before approval and bound into it: if a refresh
 * supersedes another template before the approval, the set differs and the run is refused.
 */
export async function resolvePruneCandidates(
  proxmox: Proxmox,
  keep: number,
): Promise<ResolvedTarget<TemplateRecord[]>> {
  const candidates = pruneCandidates(await listTemplates(proxmox), keep);
  if (candidates.length === 0) {
    throw new UserError(
      "E_NOT_FOUND",
      `nothing to prune: no distro has more than ${keep} superseded versions on a node`,
    );
  }
  const sorted = [...candidates].sort((a, b) => a.vmid - b.vmid);
  return {
    identity: sorted.map(templateIdentity).join("\n"),
    fields: [{ label: "Templates to delete", value: `${sorted.length} (keep ${keep} per distro and node)` }],
    table: {
      columns: ["vmid", "name", "node", "built"],
      rows: sorted.map((t) => [String(t.vmid), t.name, t.node, t.meta ? formatUtc(t.meta.builtAt) : "?"]),
    },
    value: sorted,
  };
}

/** Deletes the candidates resolved (and approved) just now; one with linked clones is kept and named. */
export async function pruneTemplates(
  proxmox: Proxmox,
  follower: TaskFollower,
  keep: number,
  candidates: readonly TemplateRecord[],
): Promise<Reply> {
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
