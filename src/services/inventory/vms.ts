/**
 * The `vms` listing: guests from /cluster/resources, filtered by node, tag, pool, status and template
 * flag. Name, status and template come from PVE's RRD cache and may lag ~10 s after a change; `vm <id>`
 * reads the authoritative config.
 */

import { UserError } from "../errors.js";
import type { GuestResource, Proxmox } from "../proxmox.js";
import type { Reply } from "../vocabulary/reply.js";
import { formatBytes, formatPercent, formatUptime } from "./format.js";

export interface GuestFilter {
  node?: string | undefined;
  tag?: string | undefined;
  pool?: string | undefined;
  status?: "running" | "stopped" | undefined;
  /** true: only templates; false/undefined: only VMs and containers that are not templates. */
  templates?: boolean | undefined;
}

export function filterGuests(guests: GuestResource[], f: GuestFilter): GuestResource[] {
  const tag = f.tag?.toLowerCase();
  // One pass: a 10,000-guest cluster is filtered on every listing and every autocomplete keystroke.
  return guests
    .filter(
      (g) =>
        (f.templates ? g.template : !g.template) &&
        (f.node === undefined || g.node === f.node) &&
        (tag === undefined || g.tags.some((t) => t.toLowerCase() === tag)) &&
        (f.pool === undefined || g.pool === f.pool) &&
        (f.status === undefined || g.status === f.status),
    )
    .sort((a, b) => a.vmid - b.vmid);
}

function describeFilter(f: GuestFilter): string {
  const parts = [
    f.node && `on ${f.node}`,
    f.tag && `tagged ${f.tag}`,
    f.pool && `in pool ${f.pool}`,
    f.status && `${f.status}`,
  ].filter(Boolean);
  return parts.length ? ` ${parts.join(", ")}` : "";
}

export function guestRow(g: GuestResource): string[] {
  const name = `${g.name ?? "?"}${g.type === "lxc" ? " (CT)" : ""}`;
  const status = g.lock ? `${g.status} (locked: ${g.lock})` : g.status;
  return [
    String(g.vmid),
    name,
    g.node,
    status,
    g.status === "running" ? formatPercent(g.cpu) : "-",
    g.status === "running" ? `${formatBytes(g.mem)} / ${formatBytes(g.maxmem)}` : formatBytes(g.maxmem),
    g.status === "running" ? formatUptime(g.uptime) : "-",
    g.tags.join(", "),
  ];
}

export function guestsReply(all: GuestResource[], f: GuestFilter): Reply {
  const guests = filterGuests(all, f);
  const what = f.templates ? "Templates" : "VMs";
  if (guests.length === 0) {
    return { text: `No ${what.toLowerCase()}${describeFilter(f)}.`, tone: "info" };
  }
  const running = guests.filter((g) => g.status === "running").length;
  return {
    title: `${what}${describeFilter(f)} (${guests.length})`,
    text: f.templates ? undefined : `${running} running, ${guests.length - running} not running.`,
    tone: "info",
    // Every guest: the renderer shows the page and attaches the whole table when it does not fit.
    table: {
      columns: ["VMID", "Name", "Node", "Status", "CPU", "Memory", "Uptime", "Tags"],
      rows: guests.map(guestRow),
    },
  };
}

export async function vmsReport(px: Proxmox, f: GuestFilter): Promise<Reply> {
  const resources = await px.clusterResources("vm");
  const guests = resources.filter((r): r is GuestResource => r.type === "qemu" || r.type === "lxc");
  const node = f.node;
  if (node !== undefined && !guests.some((g) => g.node === node)) {
    // No guest there: tell a typo apart from an empty node.
    const known = (await px.nodes()).map((n) => n.node).sort();
    if (!known.includes(node))
      throw new UserError("E_ARGS", `unknown node ${node}; the nodes are ${known.join(", ")}`);
  }
  return guestsReply(guests, f);
}
