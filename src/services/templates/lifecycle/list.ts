/** `template list`: the bot's templates with what their metadata says, read from Proxmox alone. */

import { formatDuration } from "../../format.js";
import type { Clock } from "../../ports.js";
import type { Proxmox } from "../../proxmox.js";
import type { Reply } from "../../vocabulary/reply.js";
import { limitRows } from "../../vocabulary/reply.js";
import { listTemplates } from "./inventory.js";

const MAX_ROWS = 40;

export async function templateListReply(
  proxmox: Proxmox,
  clock: Clock,
  filter: { node?: string; distro?: string },
): Promise<Reply> {
  const templates = await listTemplates(proxmox, filter);
  const scope = [filter.distro, filter.node ? `on ${filter.node}` : undefined].filter(Boolean).join(" ");
  if (templates.length === 0) {
    return {
      title: `Templates${scope ? ` (${scope})` : ""}`,
      text: "No templates built by the bot yet; `template build <distro>` makes one.",
      tone: "info",
      visibility: "channel",
    };
  }
  const now = clock.now();
  const rows = templates.map((t) => [
    String(t.vmid),
    t.name,
    t.distro,
    t.node,
    t.meta ? `${t.meta.checksum.slice(0, 12)}` : "?",
    t.meta ? formatDuration(now - t.meta.builtAt) : "?",
    t.meta?.builtBy.replace(/^[a-z]+:[^ ]+ \((.*)\)$/, "$1") ?? "?",
    t.superseded ? "yes" : "",
  ]);
  const limited = limitRows(rows, MAX_ROWS, "narrow it with --node or --distro");
  const current = templates.filter((t) => !t.superseded).length;
  return {
    title: `Templates${scope ? ` (${scope})` : ""}: ${templates.length}`,
    text: `${current} current, ${templates.length - current} superseded.`,
    tone: "info",
    table: {
      columns: ["VMID", "Name", "Distro", "Node", "Checksum", "Age", "Built by", "Superseded"],
      rows: limited.rows,
      ...(limited.footer ? { footer: limited.footer } : {}),
    },
    visibility: "channel",
  };
}
