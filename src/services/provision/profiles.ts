/** `vm profiles`: the configured profiles as one table, shape first, then what happens after boot. */
import type { Reply } from "../vocabulary/reply.js";
import type { Profile, ProvisionConfig } from "./config.js";
import { formatMemory } from "./sizes.js";

function shape(p: Profile): string {
  return [
    p.cores !== undefined ? `${p.cores} cores` : undefined,
    p.memory !== undefined ? formatMemory(p.memory) : undefined,
    p.disk !== undefined ? `${p.disk}G disk` : undefined,
  ]
    .filter(Boolean)
    .join(", ");
}

function network(p: Profile): string {
  const n = p.network;
  if (!n) return "";
  return [n.bridge, n.vlan !== undefined ? `vlan ${n.vlan}` : undefined, n.ip].filter(Boolean).join(" ");
}

export function profilesReply(config: ProvisionConfig): Reply {
  const entries = Object.entries(config.profiles).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) {
    return {
      text: "No profiles are configured; an admin adds them under provision.profiles (docs/PROVISION.md).",
      tone: "info",
      visibility: "ephemeral",
    };
  }
  return {
    title: "VM profiles",
    table: {
      columns: ["profile", "shape", "network", "tags", "approval", "post-boot", "about"],
      rows: entries.map(([name, p]) => [
        name,
        shape(p) || "template's",
        network(p) || "template's",
        ["chatops", name, ...p.tags].join(";"),
        p.approval ? "yes" : "no",
        p.postBoot.length > 0 ? p.postBoot.map((s) => s.name).join(" → ") : "—",
        p.description ?? "",
      ]),
      footer: "Use one with `vm create <name> --from <template> --profile <profile>`; flags override it.",
    },
    visibility: "ephemeral",
  };
}
