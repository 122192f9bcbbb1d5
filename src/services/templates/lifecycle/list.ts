/**
 * `template list`: the bot's templates with what their metadata says, read from Proxmox alone. Every
 * template is a row; the command pages them and the renderer cuts what a message cannot hold.
 */

import { formatDuration } from "../../format.js";
import type { Clock } from "../../ports.js";
import type { Proxmox } from "../../proxmox.js";
import { PLATFORMS } from "../../vocabulary/identity.js";
import { mention } from "../../vocabulary/mention.js";
import type { Reply } from "../../vocabulary/reply.js";
import { listTemplates } from "./inventory.js";

/**
 * Who built a template, from its metadata label `platform:id (name)` (see actorLabel): a mention where
 * the label names a person on a known platform, the label itself otherwise (a scheduled refresh).
 */
export function builtByCell(label: string | undefined): string {
  if (label === undefined) return "?";
  const m = /^([a-z]+):(\S+) \((.*)\)$/.exec(label);
  const platform = PLATFORMS.find((p) => p === m?.[1]);
  if (!m || !platform) return label;
  return mention({ platform, id: m[2]!, name: m[3]! });
}

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
    builtByCell(t.meta?.builtBy),
    t.superseded ? "yes" : "",
  ]);
  const current = templates.filter((t) => !t.superseded).length;
  return {
    title: `Templates${scope ? ` (${scope})` : ""}: ${templates.length}`,
    text: `${current} current, ${templates.length - current} superseded.`,
    tone: "info",
    table: {
      columns: ["VMID", "Name", "Distro", "Node", "Checksum", "Age", "Built by", "Superseded"],
      rows,
    },
  };
}
