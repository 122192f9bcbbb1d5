/**
 * Small but real disk images for the simulated mirror: an empty qcow2 (version 3, 64 KiB clusters) whose
 * header carries the virtual size a cloud image of that distribution has, and raw files. `qemu-img info`
 * reads the qcow2 as a valid image; the bytes after the header extensions carry a note naming the image
 * and its build, so every build has its own digest.
 */

const CLUSTER_BITS = 16;
const CLUSTER = 1 << CLUSTER_BITS;
const HEADER_LENGTH = 104;

export interface Qcow2Options {
  virtualSize: number;
  /** Written after the header; qemu ignores it. */
  note: string;
  /** A backing file name, which PVE refuses in a downloaded image. */
  backingFile?: string;
}

/** Header, refcount table, one refcount block and an all-zero L1 table: four clusters, 256 KiB. */
export function qcow2Image(opts: Qcow2Options): Buffer {
  const out = Buffer.alloc(4 * CLUSTER);
  const l2Coverage = CLUSTER * (CLUSTER / 8);
  const l1Size = Math.max(1, Math.ceil(opts.virtualSize / l2Coverage));
  out.writeUInt32BE(0x514649fb, 0);
  out.writeUInt32BE(3, 4);
  out.writeUInt32BE(CLUSTER_BITS, 20);
  out.writeBigUInt64BE(BigInt(opts.virtualSize), 24);
  out.writeUInt32BE(0, 32); // no encryption
  out.writeUInt32BE(l1Size, 36);
  out.writeBigUInt64BE(BigInt(3 * CLUSTER), 40); // L1 table
  out.writeBigUInt64BE(BigInt(CLUSTER), 48); // refcount table
  out.writeUInt32BE(1, 56);
  out.writeUInt32BE(0, 60); // no snapshots
  out.writeUInt32BE(4, 96); // refcount_order: 16-bit refcounts
  out.writeUInt32BE(HEADER_LENGTH, 100);
  // Header extensions end with a zero type and length at HEADER_LENGTH; then the backing name, then the note.
  let pos = HEADER_LENGTH + 8;
  if (opts.backingFile) {
    const name = Buffer.from(opts.backingFile, "utf8");
    out.writeBigUInt64BE(BigInt(pos), 8);
    out.writeUInt32BE(name.length, 16);
    name.copy(out, pos);
    pos += name.length;
  }
  Buffer.from(`${opts.note}\n`, "utf8").copy(out, pos + 8);
  out.writeBigUInt64BE(BigInt(2 * CLUSTER), CLUSTER); // refcount table → block
  for (let cluster = 0; cluster < 4; cluster++) out.writeUInt16BE(1, 2 * CLUSTER + cluster * 2);
  return out;
}

/** A raw disk: its length is its virtual size, so it stays small (a sector-aligned note). */
export function rawImage(note: string, size = 64 * 1024): Buffer {
  const out = Buffer.alloc(size);
  Buffer.from(`${note}\n`, "utf8").copy(out, 0);
  return out;
}

const GIB = 1024 ** 3;

/** Virtual sizes of the vendors' cloud images (they range from 2 to 25 GiB), by catalog key prefix. */
const VIRTUAL_SIZES: [RegExp, number][] = [
  [/^ubuntu-.*-minimal/, 3.5 * GIB],
  [/^ubuntu-/, 3.5 * GIB],
  [/^debian-/, 3 * GIB],
  [/^(almalinux|rocky|centos-stream)-/, 10 * GIB],
  [/^fedora-/, 5 * GIB],
  [/^opensuse-/, 2 * GIB],
  [/^archlinux/, 2 * GIB],
  [/^alpine-/, 2 * GIB],
  [/^amazonlinux-/, 25 * GIB],
];

export function virtualSizeFor(key: string): number {
  return VIRTUAL_SIZES.find(([re]) => re.test(key))?.[1] ?? 2 * GIB;
}
