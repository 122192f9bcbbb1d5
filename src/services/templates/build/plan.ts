/**
 * Turns a `template build` request into job data, checking everything that can be checked before a job
 * is queued: the distro, node, storages, VMID and key names. Bad input is refused here and nothing is
 * created.
 */
import { UserError } from "../../errors.js";
import type { VmidReservations } from "../../locks/ports.js";
import type { Proxmox } from "../../proxmox.js";
import { DNS_NAME_MAX, DNS_NAME_PATTERN } from "../../pve/ids.js";
import { type BuildDefaults, resolveBuildSettings, sshKeyText, type TemplatesConfig } from "./config.js";
import type { DistroEntry, ImageCatalogReader } from "./ports.js";
import {
  checkArch,
  checkNode,
  checkPool,
  checkRequestedVmid,
  checkStorages,
  checkVersion,
} from "./preflight.js";
import type { BuildRequest } from "./request.js";

export interface BuildFlags extends Omit<BuildDefaults, "sshKeys"> {
  node?: string;
  vmid?: number;
  name?: string;
  sshkey?: string[];
  force?: boolean;
}

export interface PlanDeps {
  proxmox: Proxmox;
  catalog: ImageCatalogReader;
  reservations: VmidReservations;
  config: TemplatesConfig;
}

export function distroOrSuggest(catalog: ImageCatalogReader, key: string): DistroEntry {
  const entry = catalog.get(key);
  if (entry) return entry;
  const close = catalog.suggest(key, 3);
  throw new UserError(
    "E_ARGS",
    `unknown distro "${key}"${close.length > 0 ? `; closest: ${close.join(", ")}` : ""}; \`template distros\` lists them`,
  );
}

/** The node a build without `--node` goes to: config's default, else the first online node by name. */
export async function defaultNode(proxmox: Proxmox, config: TemplatesConfig): Promise<string> {
  if (config.defaultNode) return config.defaultNode;
  const online = (await proxmox.nodes())
    .filter((n) => n.status === "online")
    .map((n) => n.node)
    .sort();
  const first = online[0];
  if (!first) throw new UserError("E_PVE", "no Proxmox node is online");
  return first;
}

export async function planBuild(
  deps: PlanDeps,
  input: { distro: string; flags: BuildFlags; requestedBy: string },
): Promise<BuildRequest> {
  const { proxmox, config } = deps;
  const { flags } = input;
  const entry = distroOrSuggest(deps.catalog, input.distro);
  const node = flags.node ?? (await defaultNode(proxmox, config));
  const { node: _n, vmid, name, sshkey, force, ...overrides } = flags;
  const settings = resolveBuildSettings(
    config,
    node,
    { ...overrides, ...(sshkey !== undefined ? { sshKeys: sshkey } : {}) },
    entry,
  );
  const keys = sshKeyText(config, settings.sshKeys);
  if (name !== undefined && (name.length > DNS_NAME_MAX || !DNS_NAME_PATTERN.test(name))) {
    throw new UserError(
      "E_ARGS",
      `invalid template name "${name}": PVE wants a DNS name (labels of letters, digits and inner hyphens, joined by dots)`,
    );
  }
  await checkVersion(proxmox);
  await checkNode(proxmox, node);
  await checkArch(proxmox, node, entry);
  await checkStorages(proxmox, node, settings);
  await checkPool(proxmox, config.pool);
  if (vmid !== undefined) await checkRequestedVmid(proxmox, deps.reservations, config, vmid);
  return {
    distro: entry.key,
    node,
    settings,
    pool: config.pool,
    sshKeyText: keys,
    ...(vmid !== undefined ? { vmid } : {}),
    ...(name !== undefined ? { name } : {}),
    force: force ?? false,
    requestedBy: input.requestedBy,
  };
}
