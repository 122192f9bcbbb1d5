/**
 * What `qemu-img info -f <format>` reports about a file, from its bytes: PVE runs it with the format the
 * filename names on every downloaded image (`file_size_info(..., untrusted)`), so a file whose content is
 * another format fails, and a qcow2 with a backing file is refused. Only the header is read.
 */

export interface ImageInfo {
  format: string;
  virtualSize: number;
  backingFile?: string;
}

export type ImageCheck = { ok: true; info: ImageInfo } | { ok: false; error: string };

const QCOW2_MAGIC = 0x514649fb;
const VMDK4_MAGIC = 0x4b444d56; // "KDMV" read big-endian

function qcow2(bytes: Buffer, path: string): ImageCheck {
  const fail = (why: string): ImageCheck => ({
    ok: false,
    error: `qemu-img: Could not open '${path}': ${why}`,
  });
  if (bytes.length < 72 || bytes.readUInt32BE(0) !== QCOW2_MAGIC) return fail("Image is not in qcow2 format");
  const version = bytes.readUInt32BE(4);
  if (version < 2 || version > 3) return fail(`Unsupported qcow2 version ${version}`);
  const clusterBits = bytes.readUInt32BE(20);
  if (clusterBits < 9 || clusterBits > 21) return fail(`Unsupported cluster size: 2^${clusterBits}`);
  const virtualSize = Number(bytes.readBigUInt64BE(24));
  const backingOffset = Number(bytes.readBigUInt64BE(8));
  const backingLength = bytes.readUInt32BE(16);
  let backingFile: string | undefined;
  if (backingOffset > 0) {
    if (backingLength > 1023 || backingOffset + backingLength > bytes.length) {
      return fail("Backing file name too long");
    }
    backingFile = bytes.subarray(backingOffset, backingOffset + backingLength).toString("utf8");
  }
  return { ok: true, info: { format: "qcow2", virtualSize, ...(backingFile ? { backingFile } : {}) } };
}

function vmdk(bytes: Buffer, path: string): ImageCheck {
  if (bytes.length >= 28 && bytes.readUInt32LE(0) === VMDK4_MAGIC) {
    const sectors = Number(bytes.readBigUInt64LE(12));
    return { ok: true, info: { format: "vmdk", virtualSize: sectors * 512 } };
  }
  return { ok: false, error: `qemu-img: Could not open '${path}': invalid VMDK image descriptor` };
}

/** `qemu-img info --output=json -f <format> <path>` for the formats PVE's import content accepts. */
export function qemuImgInfo(bytes: Buffer, format: string, path: string): ImageCheck {
  if (format === "qcow2") return qcow2(bytes, path);
  if (format === "vmdk") return vmdk(bytes, path);
  // Forced raw reads any content as a disk of the file's length.
  return { ok: true, info: { format: "raw", virtualSize: bytes.length } };
}
