/**
 * The `storage [--node N]` listing: usage and content types per storage and node, from the cluster
 * resources (one request for the whole cluster). Shared storages appear once per node, as in PVE.
 */

import { UserError } from "../errors.js";
import type { Proxmox, StorageResource } from "../proxmox.js";
import type { Reply } from "../vocabulary/reply.js";
import { formatPercent, formatUsage } from "./format.js";

export function storageReply(storages: StorageResource[], nodeNames: string[], node?: string): Reply {
  if (node !== undefined && !nodeNames.includes(node)) {
    throw new UserError(
      "E_NOT_FOUND",
      `no node named ${node}; nodes: ${nodeNames.sort().join(", ") || "none"}`,
    );
  }
  const shown = storages
    .filter((s) => node === undefined || s.node === node)
    .sort((a, b) => a.node.localeCompare(b.node) || a.storage.localeCompare(b.storage));
  if (shown.length === 0)
    return { text: `No storage${node ? ` on ${node}` : ""} that the bot can see.`, tone: "info" };
  const full = shown.filter((s) => s.maxdisk && s.disk !== undefined && s.disk / s.maxdisk >= 0.9);
  const rows = shown.map((s) => [
    s.storage,
    s.node,
    `${s.plugintype ?? "?"}${s.shared ? " (shared)" : ""}`,
    s.status,
    formatUsage(s.disk, s.maxdisk),
    s.content.join(", "),
  ]);
  return {
    title: `Storage${node ? ` on ${node}` : ""} (${shown.length})`,
    tone: full.length > 0 ? "warning" : "info",
    text:
      full.length > 0
        ? `Nearly full: ${full.map((s) => `${s.storage} on ${s.node} (${formatPercent(s.disk! / s.maxdisk!)})`).join(", ")}.`
        : undefined,
    table: { columns: ["Storage", "Node", "Type", "Status", "Used", "Content"], rows },
  };
}

export async function storageReport(px: Proxmox, node?: string): Promise<Reply> {
  const resources = await px.clusterResources();
  const storages = resources.filter((r): r is StorageResource => r.type === "storage");
  const nodes = resources.flatMap((r) => (r.type === "node" ? [r.node] : []));
  return storageReply(storages, nodes, node);
}
