/**
 * The bot's templates as Proxmox shows them: VMs tagged by the build, with the metadata block of their
 * description. Nothing is kept elsewhere, so templates built by another bot instance (or before a
 * restart) are found the same way.
 */
import type { Proxmox } from "../../proxmox.js";
import { createdAtOf } from "../../pve/vm-meta.js";
import {
  distroFromTags,
  parseMetadata,
  SUPERSEDED_TAG,
  TEMPLATE_TAG,
  type TemplateMetadata,
} from "../build/metadata.js";

export interface TemplateRecord {
  vmid: number;
  node: string;
  name: string;
  distro: string;
  tags: string[];
  /** Undefined when the description block is missing or was edited beyond recognition. */
  meta?: TemplateMetadata;
  superseded: boolean;
  /** PVE's own creation time (`meta: …,ctime=<s>`), in ms: a new VM under a reused VMID has another. */
  createdAt?: number;
}

/**
 * Templates built by the bot, newest first within each distro. The config (not /cluster/resources,
 * which lags by about 10 s after a conversion) decides whether a VM is a template yet.
 */
export async function listTemplates(
  proxmox: Proxmox,
  filter: { node?: string; distro?: string; exclude?: number } = {},
): Promise<TemplateRecord[]> {
  const resources = await proxmox.clusterResources("vm");
  const candidates = resources.flatMap((r) =>
    r.type === "qemu" &&
    r.tags.includes(TEMPLATE_TAG) &&
    r.vmid !== filter.exclude &&
    (filter.node === undefined || r.node === filter.node) &&
    (filter.distro === undefined || distroFromTags(r.tags) === filter.distro)
      ? [r]
      : [],
  );
  const records = await Promise.all(
    candidates.map(async (r): Promise<TemplateRecord | undefined> => {
      const config = await proxmox.vmConfig(r.node, r.vmid).catch(() => undefined);
      if (!config || Number(config.template ?? 0) !== 1) return undefined;
      const tags = String(config.tags ?? "")
        .split(/[;,\s]+/)
        .filter(Boolean);
      const meta = parseMetadata(typeof config.description === "string" ? config.description : undefined);
      return {
        vmid: r.vmid,
        node: r.node,
        name: String(config.name ?? r.name ?? `VM ${r.vmid}`),
        distro: meta?.distro ?? distroFromTags(tags) ?? "?",
        tags,
        ...(meta ? { meta } : {}),
        superseded: tags.includes(SUPERSEDED_TAG),
        ...(createdAtOf(config.meta) !== undefined ? { createdAt: createdAtOf(config.meta) } : {}),
      };
    }),
  );
  return records
    .filter((r): r is TemplateRecord => r !== undefined)
    .sort(
      (a, b) =>
        a.distro.localeCompare(b.distro) ||
        a.node.localeCompare(b.node) ||
        (b.meta?.builtAt ?? 0) - (a.meta?.builtAt ?? 0) ||
        b.vmid - a.vmid,
    );
}

/** Disk values of a linked clone name the template's base volume: `local-lvm:base-9000-disk-0/vm-101-disk-0`. */
export function isLinkedCloneOf(
  config: Readonly<Record<string, string | number>>,
  templateVmid: number,
): boolean {
  const base = new RegExp(`(^|[:/])base-${templateVmid}-disk-\\d+(\\.[a-z0-9]+)?/`);
  return Object.entries(config).some(
    ([key, value]) =>
      /^(scsi|virtio|sata|ide|efidisk|tpmstate)\d+$/.test(key) &&
      base.test(String(value).split(",")[0] ?? ""),
  );
}

/** VMs (any node) whose disks are linked clones of the template; a template with any cannot be deleted. */
export async function linkedClones(proxmox: Proxmox, templateVmid: number): Promise<number[]> {
  const resources = await proxmox.clusterResources("vm");
  const others = resources.flatMap((r) => (r.type === "qemu" && r.vmid !== templateVmid ? [r] : []));
  const hits = await Promise.all(
    others.map(async (r) => {
      const config = await proxmox.vmConfig(r.node, r.vmid).catch(() => undefined);
      return config && isLinkedCloneOf(config, templateVmid) ? r.vmid : undefined;
    }),
  );
  return hits.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
}
