/**
 * Build metadata stored on the template itself, so `template list`, refresh and prune need nothing but
 * Proxmox: a block in the VM description (PVE keeps free text there) and tags. The block is fenced so
 * an admin's own notes around it survive, and parsing ignores anything it does not recognise.
 */
export interface TemplateMetadata {
  distro: string;
  imageUrl: string;
  algorithm: string;
  checksum: string;
  /** Milliseconds since the epoch. */
  builtAt: number;
  /** Who asked: "console:alice (Alice)". */
  builtBy: string;
  jobId: string;
}

const BEGIN = "--- chatops template build ---";
const END = "--- end chatops template build ---";

/** Tag marking every template this bot built. */
export const TEMPLATE_TAG = "chatops-tpl";
/** Tag on templates that a newer build of the same distro on the same node replaced. */
export const SUPERSEDED_TAG = "superseded";

/** `tpl-ubuntu-24.04`: PVE tags allow letters, digits and `_+.-`, so distro keys fit as they are. */
export function distroTag(distro: string): string {
  return `tpl-${distro}`;
}

export function distroFromTags(tags: readonly string[]): string | undefined {
  const tag = tags.find((t) => t.startsWith("tpl-"));
  return tag?.slice(4);
}

export function formatMetadata(meta: TemplateMetadata): string {
  return [
    BEGIN,
    `distro: ${meta.distro}`,
    `image: ${meta.imageUrl}`,
    `checksum: ${meta.algorithm}:${meta.checksum}`,
    `built: ${new Date(meta.builtAt).toISOString()}`,
    `by: ${meta.builtBy}`,
    `job: ${meta.jobId}`,
    END,
  ].join("\n");
}

/** Reads the block back; undefined when there is none or a field is missing or malformed. */
export function parseMetadata(description: string | undefined): TemplateMetadata | undefined {
  if (!description) return undefined;
  const start = description.indexOf(BEGIN);
  const end = description.indexOf(END, start);
  if (start < 0 || end < 0) return undefined;
  const fields = new Map<string, string>();
  for (const line of description.slice(start + BEGIN.length, end).split("\n")) {
    const m = /^\s*([a-z]+):\s?(.*)$/.exec(line);
    if (m) fields.set(m[1]!, m[2]!.trim());
  }
  const checksum = /^([a-z0-9]+):([0-9a-f]+)$/i.exec(fields.get("checksum") ?? "");
  const builtAt = Date.parse(fields.get("built") ?? "");
  const distro = fields.get("distro");
  if (!checksum || Number.isNaN(builtAt) || !distro) return undefined;
  return {
    distro,
    imageUrl: fields.get("image") ?? "",
    algorithm: checksum[1]!.toLowerCase(),
    checksum: checksum[2]!.toLowerCase(),
    builtAt,
    builtBy: fields.get("by") ?? "",
    jobId: fields.get("job") ?? "",
  };
}

/** `tpl-ubuntu-24.04-20261126-1a2b3c4d`: a valid PVE name (DNS labels), sortable, unique per image. */
export function templateName(distro: string, builtAt: number, checksum: string): string {
  const day = new Date(builtAt).toISOString().slice(0, 10).replaceAll("-", "");
  return `tpl-${distro}-${day}-${checksum.slice(0, 8).toLowerCase()}`;
}

/** "console:alice (Alice)": who asked, as written into the template metadata. */
export function actorLabel(actor: { platform: string; id: string; name: string }): string {
  return `${actor.platform}:${actor.id} (${actor.name})`;
}
