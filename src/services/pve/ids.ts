/**
 * PVE's identifier formats (pve-common JSONSchema.pm), checked before a value reaches a URL path.
 * proxmox-api's `$()` escapes only `/`, and the URL is then normalised, so `..`, `?` or `#` in a path
 * parameter would change which endpoint is called (a snapshot delete can become a VM destroy). Every
 * checker throws `UserError("E_ARGS")` naming the parameter and the rule, before any request is made.
 */
import { UserError } from "../errors.js";

/** pve-node: a DNS label. */
export const NODE_PATTERN = /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;
/** pve-storage-id (parse_id). */
export const STORAGE_PATTERN = /^[a-z][a-z0-9._-]*[a-z0-9]$/i;
/** pve-configid, which snapshot names use; PVE caps them at 40 characters. */
export const SNAPSHOT_PATTERN = /^[a-z][a-z0-9_-]+$/i;
export const VMID_MIN = 100;
export const VMID_MAX = 999_999_999;
/** Snapshot names PVE reserves: `current` is the "You are here" entry. */
const RESERVED_SNAPSHOTS = new Set(["current", "pending"]);
/**
 * UPID:node:pid:pstart:starttime:type:id:user: (pve-common UPID.pm). PVE allows any text without `:` or
 * whitespace in the type, id and user fields; here they are limited to the characters real task types,
 * guest and storage ids and `user@realm!token` names use (letters, digits, `_ . @ ! = + -`), the same set
 * the request engine lets into a URL path, so a UPID that could not be requested is refused as bad input.
 */
export const UPID_PATTERN =
  /^UPID:([a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([A-Za-z0-9_.@!=+-]+):([A-Za-z0-9_.@!=+-]*):([A-Za-z0-9_.@!=+-]+):$/;
export const UPID_RULE = "expected a UPID like UPID:pve:000A1B2C:0123ABCD:6817C0DE:qmclone:9000:user@pve:";
/** A VM id as typed in chat: no sign, decimals, spaces or leading zeros. */
export const VMID_TEXT_PATTERN = /^[1-9][0-9]{2,8}$/;
/** PVE's `dns-name` format (pve-common JSONSchema): dot-separated labels of letters, digits and inner hyphens. */
export const DNS_NAME_PATTERN =
  /^([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?\.)*[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/;
/** Hostnames stop at 253 characters; PVE sets no limit of its own, the guest's hostname does. */
export const DNS_NAME_MAX = 253;
/**
 * A VM name as typed to find an existing VM: looser than {@link DNS_NAME_PATTERN} (qemu-server's `name` is
 * a dns-name) so a lookup reports "not found" rather than a format error for names PVE once accepted.
 */
export const VM_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$/;
export const VM_REF_RULE = `give a VM id from ${VMID_MIN} to ${VMID_MAX} or a VM name (letters, digits, '.' and '-')`;
/** Disk keys the bot resizes: scsi0…, virtio0…, sata0…, ide0…, efidisk0, tpmstate0. */
const DISK_PATTERN = /^(scsi|virtio|sata|ide)\d{1,2}$|^(efidisk0|tpmstate0)$/;

function refuse(what: string, value: unknown, rule: string): never {
  const shown = typeof value === "string" ? JSON.stringify(value.slice(0, 80)) : String(value);
  throw new UserError("E_ARGS", `invalid ${what} ${shown}: ${rule}`);
}

export function checkNode(node: string): string {
  if (typeof node !== "string" || !NODE_PATTERN.test(node)) {
    refuse("node name", node, "use letters, digits and inner hyphens, like pve1");
  }
  return node;
}

export function checkVmid(vmid: number): number {
  if (!Number.isInteger(vmid) || vmid < VMID_MIN || vmid > VMID_MAX) {
    refuse("VM id", vmid, `use a whole number from ${VMID_MIN} to ${VMID_MAX}`);
  }
  return vmid;
}

/** Parses a VM id typed in chat ("100"); refuses signs, decimals, spaces and leading zeros. */
export function parseVmid(text: string): number {
  if (!VMID_TEXT_PATTERN.test(text))
    refuse("VM id", text, `use a whole number from ${VMID_MIN} to ${VMID_MAX}`);
  return checkVmid(Number(text));
}

export function checkStorage(storage: string): string {
  if (typeof storage !== "string" || !STORAGE_PATTERN.test(storage)) {
    refuse("storage id", storage, "start with a letter; letters, digits, '.', '-', '_', like local-lvm");
  }
  return storage;
}

export function checkSnapshotName(name: string): string {
  if (typeof name !== "string" || name.length > 40 || !SNAPSHOT_PATTERN.test(name)) {
    refuse("snapshot name", name, "start with a letter; 2 to 40 letters, digits, '-' or '_'");
  }
  if (RESERVED_SNAPSHOTS.has(name.toLowerCase()))
    refuse("snapshot name", name, "that name is reserved by Proxmox");
  return name;
}

/** A VM reference typed in chat is a VM id when it is all digits, else a VM name. */
export function looksLikeVmid(ref: string): boolean {
  return /^[0-9]+$/.test(ref);
}

/** A VM reference typed in chat: all digits is a VM id, anything else must be a VM name. */
export function checkVmRef(ref: string): string {
  if (typeof ref !== "string") refuse("VM reference", ref, VM_REF_RULE);
  if (looksLikeVmid(ref)) {
    parseVmid(ref);
  } else if (!VM_NAME_PATTERN.test(ref)) {
    refuse("VM reference", ref, VM_REF_RULE);
  }
  return ref;
}

export function checkDisk(disk: string): string {
  if (typeof disk !== "string" || !DISK_PATTERN.test(disk)) refuse("disk", disk, "use a disk key like scsi0");
  return disk;
}

export interface ParsedUpid {
  upid: string;
  node: string;
  /** Seconds since the epoch. */
  starttime: number;
  type: string;
  id: string;
  user: string;
}

export function parseUpid(upid: string): ParsedUpid {
  const m = typeof upid === "string" ? UPID_PATTERN.exec(upid) : null;
  if (!m) refuse("task id", upid, UPID_RULE);
  return {
    upid,
    node: m[1]!,
    starttime: Number.parseInt(m[4]!, 16),
    type: m[5]!,
    id: m[6]!,
    user: m[7]!,
  };
}
