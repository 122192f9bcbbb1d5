/**
 * The `nodes` listing: one row per cluster node with status, uptime, CPU, memory and PVE version.
 * The version comes from each online node's status (needs Sys.Audit there); a node whose status cannot
 * be read still gets its row, with `?` for what is missing.
 */

import type { NodeStatus, Proxmox } from "../proxmox.js";
import type { Reply } from "../vocabulary/reply.js";
import { formatPercent, formatUptime, formatUsage } from "./format.js";

/** "pve-manager/9.1.5/abcdef…" → "9.1.5" */
export function pveVersionOf(pveversion: string | undefined): string {
  return /pve-manager\/([^/\s]+)/.exec(pveversion ?? "")?.[1] ?? "?";
}

export async function nodesReport(px: Proxmox): Promise<Reply> {
  const nodes = (await px.nodes()).sort((a, b) => a.node.localeCompare(b.node));
  if (nodes.length === 0) return { text: "Proxmox lists no nodes the bot's token may see.", tone: "warning" };
  const statuses = await Promise.all(
    nodes.map((n) =>
      n.status === "online" ? px.nodeStatus(n.node).catch(() => undefined) : Promise.resolve(undefined),
    ),
  );
  const rows = nodes.map((n, i) => {
    const st: NodeStatus | undefined = statuses[i];
    return [
      n.node,
      n.status,
      formatUptime(st?.uptime ?? n.uptime),
      n.cpu === undefined ? "?" : `${formatPercent(n.cpu)} of ${n.maxcpu ?? "?"}`,
      formatUsage(st?.memory.used ?? n.mem, st?.memory.total ?? n.maxmem),
      pveVersionOf(st?.pveversion),
    ];
  });
  const offline = nodes.filter((n) => n.status !== "online").length;
  return {
    title: `Nodes (${nodes.length})`,
    tone: offline > 0 ? "warning" : "info",
    text: offline > 0 ? `${offline} node${offline > 1 ? "s are" : " is"} not online.` : undefined,
    table: { columns: ["Node", "Status", "Uptime", "CPU", "Memory", "PVE"], rows },
  };
}
