/**
 * `template refresh`: rebuild a distro on a node only when its upstream checksum differs from the one in
 * its newest template. Builds use today's config for that node (the old template's settings are not
 * copied) and the cluster's default SSH keys.
 */

import { resolveBuildSettings, sshKeyText } from "../build/config.js";
import type { MatrixRow } from "../build/matrix.js";
import { distroOrSuggest } from "../build/plan.js";
import type { DistroEntry } from "../build/ports.js";
import { checkPool } from "../build/preflight.js";
import type { BuildRequest } from "../build/request.js";
import type { TemplateServices } from "../build/stages.js";
import { listTemplates, type TemplateRecord } from "./inventory.js";

export interface PlannedRow {
  row: MatrixRow;
  request?: BuildRequest;
}

export async function planRefresh(
  deps: TemplateServices,
  input: { distros: readonly string[]; all: boolean; requestedBy: string },
): Promise<PlannedRow[]> {
  const entries: DistroEntry[] = input.all
    ? []
    : input.distros.map((key) => distroOrSuggest(deps.catalog, key));
  const templates = await listTemplates(deps.proxmox);
  const current = new Map<string, TemplateRecord>();
  for (const t of templates) {
    if (t.superseded || !t.meta) continue;
    const key = `${t.distro}\u0000${t.node}`;
    const seen = current.get(key);
    if (!seen || (seen.meta?.builtAt ?? 0) < t.meta.builtAt) current.set(key, t);
  }
  const wanted = input.all
    ? [...new Set([...current.values()].map((t) => t.distro))].flatMap((key) => deps.catalog.get(key) ?? [])
    : entries;
  if (wanted.length > 0) await checkPool(deps.proxmox, deps.config.pool);
  const out: PlannedRow[] = [];
  for (const entry of wanted) {
    const newest = [...current.values()]
      .filter((t) => t.distro === entry.key)
      .sort((a, b) => a.node.localeCompare(b.node));
    if (newest.length === 0) {
      out.push({
        row: {
          distro: entry.key,
          node: "-",
          status: "skipped",
          detail: `no template yet; use template build ${entry.key}`,
        },
      });
      continue;
    }
    const expected = await deps.checksums.expected(entry);
    for (const t of newest) {
      if (t.meta?.checksum === expected.value.toLowerCase()) {
        out.push({ row: { distro: entry.key, node: t.node, status: "up to date", detail: t.name } });
        continue;
      }
      const settings = resolveBuildSettings(deps.config, t.node, {}, entry);
      out.push({
        row: {
          distro: entry.key,
          node: t.node,
          status: "queued",
          detail: `upstream changed since ${t.name}`,
        },
        request: {
          distro: entry.key,
          node: t.node,
          settings,
          pool: deps.config.pool,
          sshKeyText: sshKeyText(deps.config, settings.sshKeys),
          force: false,
          requestedBy: input.requestedBy,
        },
      });
    }
  }
  return out;
}
