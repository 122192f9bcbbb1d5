import { handlerError } from "../errors.js";

/** Reads SSH wire-format fields (RFC 4251 `string` and `mpint`) and fails on any overrun. */
class Blob {
  private pos = 0;
  constructor(private readonly bytes: Buffer) {}
  string(): Buffer {
    if (this.pos + 4 > this.bytes.length) throw new Error("truncated");
    const len = this.bytes.readUInt32BE(this.pos);
    const start = this.pos + 4;
    if (start + len > this.bytes.length) throw new Error("truncated");
    this.pos = start + len;
    return this.bytes.subarray(start, start + len);
  }
  mpintBits(): number {
    const v = this.string();
    if (v.length > 0 && (v[0]! & 0x80) !== 0) throw new Error("negative mpint");
    let i = 0;
    while (i < v.length && v[i] === 0) i++;
    return i === v.length ? 0 : (v.length - i - 1) * 8 + (32 - Math.clz32(v[i]!));
  }
  done(): boolean {
    return this.pos === this.bytes.length;
  }
}

const CURVE_POINT: Record<string, number> = { nistp256: 65, nistp384: 97, nistp521: 133 };

function ecdsa(blob: Blob, curve: string): void {
  if (blob.string().toString("latin1") !== curve) throw new Error("curve mismatch");
  const q = blob.string();
  if (q.length !== CURVE_POINT[curve] || q[0] !== 0x04) throw new Error("bad point");
}

/** The per-type body of a public key blob, as OpenSSH's `sshkey_from_blob` checks it. */
const PARSERS: Record<string, (blob: Blob) => void> = {
  "ssh-ed25519": (b) => {
    if (b.string().length !== 32) throw new Error("bad ed25519 key");
  },
  "ssh-rsa": (b) => {
    b.mpintBits();
    if (b.mpintBits() < 1024) throw new Error("RSA modulus too small");
  },
  "ssh-dss": (b) => {
    for (let i = 0; i < 4; i++) b.mpintBits();
  },
  "ecdsa-sha2-nistp256": (b) => ecdsa(b, "nistp256"),
  "ecdsa-sha2-nistp384": (b) => ecdsa(b, "nistp384"),
  "ecdsa-sha2-nistp521": (b) => ecdsa(b, "nistp521"),
  "sk-ssh-ed25519@openssh.com": (b) => {
    if (b.string().length !== 32) throw new Error("bad ed25519 key");
    b.string();
  },
  "sk-ecdsa-sha2-nistp256@openssh.com": (b) => {
    ecdsa(b, "nistp256");
    b.string();
  },
};

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Whether `ssh-keygen -l` would read this authorized_keys line as a public key. */
export function isValidPublicKeyLine(line: string): boolean {
  const words = line.trim().split(/\s+/);
  const at = words.findIndex((w) => PARSERS[w] !== undefined);
  if (at < 0 || at > 1) return false;
  const type = words[at]!;
  const body = words[at + 1] ?? "";
  if (!BASE64.test(body) || body.length === 0) return false;
  try {
    const blob = new Blob(Buffer.from(body, "base64"));
    if (blob.string().toString("latin1") !== type) return false;
    PARSERS[type]!(blob);
    return blob.done();
  } catch {
    return false;
  }
}

/**
 * qemu-server decodes `sshkeys` (it arrives URL-encoded) and pve-common runs `ssh-keygen -l` on every
 * non-blank line; any line that is not a public key, a `#` comment included, fails the request.
 */
export function assertSshKeys(value: string): void {
  let text: string;
  try {
    text = decodeURIComponent(value);
  } catch {
    throw handlerError("SSH public key validation error");
  }
  for (const line of text.split("\n")) {
    if (/^\s*$/.test(line)) continue;
    if (!isValidPublicKeyLine(line)) throw handlerError("SSH public key validation error");
  }
}
