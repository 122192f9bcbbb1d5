import type { StorageState, VmConfig, VolumeState } from "./types.js";

/** Config keys that hold drives (qemu-server `is_valid_drivename` plus efidisk/tpmstate/unused). */
export const DRIVE_KEY = /^(ide|sata|scsi|virtio|efidisk|tpmstate|unused)\d+$/;

export interface DriveSpec {
  /** The default-key value: a volid, `STORAGE:SIZE`, `none`, `cdrom` or an absolute path. */
  file: string;
  options: Map<string, string>;
}

export function parseDrive(value: string): DriveSpec {
  const options = new Map<string, string>();
  let file = "";
  for (const part of value.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) file = part;
    else if (part.slice(0, eq) === "file" || part.slice(0, eq) === "volume") file = part.slice(eq + 1);
    else options.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return { file, options };
}

export function printDrive(spec: DriveSpec): string {
  return [spec.file, ...[...spec.options].map(([k, v]) => `${k}=${v}`)].join(",");
}

export function driveKeys(config: VmConfig): string[] {
  return Object.keys(config).filter((k) => DRIVE_KEY.test(k));
}

/** Volume IDs a config references, skipping cdrom/none and absolute paths. */
export function referencedVolids(config: VmConfig): string[] {
  const out: string[] = [];
  for (const key of driveKeys(config)) {
    const { file } = parseDrive(String(config[key]));
    if (file.includes(":") && !file.startsWith("/")) out.push(file);
  }
  return out;
}

export function isCdrom(spec: DriveSpec): boolean {
  return spec.options.get("media") === "cdrom" || spec.file === "cdrom";
}

const UNIT: Record<string, number> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** `32G` → bytes; a bare number is bytes (PVE disk-size semantics). */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([KMGT])?$/.exec(text);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * (m[2] ? UNIT[m[2]]! : 1));
}

/** Bytes → the compact form PVE writes into `size=` (largest unit that divides evenly). */
export function formatSize(bytes: number): string {
  for (const unit of ["T", "G", "M", "K"]) {
    if (bytes % UNIT[unit]! === 0) return `${bytes / UNIT[unit]!}${unit}`;
  }
  return String(bytes);
}

/** Volume name of a new disk, following each plugin's naming (`vm-100-disk-0` or `100/vm-100-disk-0.qcow2`). */
export function newDiskName(
  storage: StorageState,
  vmid: number,
  index: number,
  kind: "disk" | "cloudinit",
): string {
  const base = kind === "cloudinit" ? `vm-${vmid}-cloudinit` : `vm-${vmid}-disk-${index}`;
  if (storage.type === "dir" || storage.type === "nfs") return `${vmid}/${base}.qcow2`;
  return base;
}

export function diskFormat(storage: StorageState): string {
  return storage.type === "dir" || storage.type === "nfs" ? "qcow2" : "raw";
}

/** A VM disk volume as the storage content listing shows it; local storages hold it on `node` only. */
export function vmDiskVolume(
  storage: StorageState,
  node: string,
  vmid: number,
  volid: string,
  size: number,
  ctimeSec: number,
): VolumeState {
  return {
    volid,
    storage: storage.storage,
    node: storage.shared ? undefined : node,
    content: "images",
    format: diskFormat(storage),
    size,
    ctime: ctimeSec,
    vmid,
  };
}

/** Whether qemu snapshots work on this storage (raw on dir/lvm does not; qcow2, thin, rbd, zfs do). */
export function storageSupportsSnapshots(storage: StorageState): boolean {
  return storage.type !== "lvm";
}

/** Whether a template's disks on this storage can be linked-cloned. */
export function storageSupportsLinkedClone(storage: StorageState): boolean {
  return storage.type !== "lvm";
}
