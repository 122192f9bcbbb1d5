import { describe, expect, it } from "vitest";
import {
  findChecksum,
  imageFileName,
  lookupError,
  parseChecksumFile,
} from "../../../src/services/templates/catalog/checksums.js";
import { applyMirrors, displayUrl } from "../../../src/services/templates/catalog/mirrors.js";

const A = "a".repeat(64);
const B = "b".repeat(64);
const C = "c".repeat(128);
const UPPER = "0123456789ABCDEF".repeat(4);

describe("findChecksum", () => {
  it("reads GNU lines with text and binary markers", () => {
    const sums = `${A}  debian-13-genericcloud-amd64.qcow2\n${B} *ubuntu-24.04-server-cloudimg-amd64.img\n`;
    expect(findChecksum(sums, "debian-13-genericcloud-amd64.qcow2", "sha256")).toEqual({
      found: true,
      value: A,
    });
    expect(findChecksum(sums, "ubuntu-24.04-server-cloudimg-amd64.img", "sha256")).toEqual({
      found: true,
      value: B,
    });
  });

  it("reads BSD lines between byte-count comments, lowercasing the digest", () => {
    const sums = [
      "# AlmaLinux-9-GenericCloud-latest.x86_64.qcow2: 123 bytes",
      `SHA256 (AlmaLinux-9-GenericCloud-latest.x86_64.qcow2) = ${UPPER}`,
      `SHA256 (AlmaLinux-9-GenericCloud-9.6-20250522.x86_64.qcow2) = ${A}`,
    ].join("\n");
    expect(findChecksum(sums, "AlmaLinux-9-GenericCloud-latest.x86_64.qcow2", "sha256")).toEqual({
      found: true,
      value: UPPER.toLowerCase(),
    });
  });

  it("handles CRLF, blank lines and ./ prefixes", () => {
    const sums = `\r\n${A}  ./a.qcow2\r\n${B}  ./b.qcow2\r\n`;
    expect(findChecksum(sums, "b.qcow2", "sha256")).toEqual({ found: true, value: B });
    expect(findChecksum(`SHA256 (./a.qcow2) = ${A}\r\n`, "a.qcow2", "sha256")).toEqual({
      found: true,
      value: A,
    });
  });

  it("ignores PGP armor and restores dash-escaped lines", () => {
    const signed = [
      "-----BEGIN PGP SIGNED MESSAGE-----",
      "Hash: SHA256",
      "",
      "# Fedora-Cloud-Base-Generic-44-1.7.x86_64.qcow2: 123 bytes",
      `SHA256 (Fedora-Cloud-Base-Generic-44-1.7.x86_64.qcow2) = ${A}`,
      `- ${B}  -odd-name.qcow2`,
      "-----BEGIN PGP SIGNATURE-----",
      "",
      `${C}  Fedora-Cloud-Base-Generic-44-1.7.x86_64.qcow2`,
      "-----END PGP SIGNATURE-----",
    ].join("\n");
    expect(findChecksum(signed, "Fedora-Cloud-Base-Generic-44-1.7.x86_64.qcow2", "sha256")).toEqual({
      found: true,
      value: A,
    });
    expect(findChecksum(signed, "-odd-name.qcow2", "sha256")).toEqual({ found: true, value: B });
    expect(findChecksum(signed, "Fedora-Cloud-Base-Generic-44-1.7.x86_64.qcow2", "sha512")).toMatchObject({
      found: false,
      reason: "algorithm",
    });
  });

  it("reads single-file sidecars: a bare digest, or a digest naming another file", () => {
    expect(findChecksum(`${C}\n`, "generic_alpine.qcow2", "sha512")).toEqual({ found: true, value: C });
    const dated = `${A}  Arch-Linux-x86_64-cloudimg-20261120.100000.qcow2\n`;
    expect(findChecksum(dated, "Arch-Linux-x86_64-cloudimg.qcow2", "sha256", { single: true })).toEqual({
      found: true,
      value: A,
    });
    expect(findChecksum(dated, "Arch-Linux-x86_64-cloudimg.qcow2", "sha256")).toEqual({
      found: false,
      reason: "missing",
    });
  });

  it("does not take a name that merely starts or ends like the image", () => {
    const sums = `${A}  img.qcow2.manifest\n${B}  old-img.qcow2\n`;
    expect(findChecksum(sums, "img.qcow2", "sha256")).toEqual({ found: false, reason: "missing" });
    expect(findChecksum(`${A}  images/x86_64/img.qcow2\n`, "img.qcow2", "sha256")).toEqual({
      found: true,
      value: A,
    });
  });

  it("picks the requested algorithm from a multi-digest file and reports a mismatch", () => {
    const digests = `# MD5 HASH\n${"d".repeat(32)}  f.img\n# SHA512 HASH\n${C}  f.img\n`;
    expect(findChecksum(digests, "f.img", "sha512")).toEqual({ found: true, value: C });
    expect(findChecksum(digests, "f.img", "sha256")).toEqual({
      found: false,
      reason: "algorithm",
      listed: ["md5", "sha512"],
    });
  });

  it("refuses to choose between two different digests for one name", () => {
    expect(findChecksum(`${A}  f.img\n${B}  f.img\n`, "f.img", "sha256")).toEqual({
      found: false,
      reason: "conflict",
    });
    expect(findChecksum(`${A}  f.img\n${A} *f.img\n`, "f.img", "sha256")).toEqual({ found: true, value: A });
  });

  it("skips lines whose BSD tag disagrees with the digest length, and junk", () => {
    const text = `SHA512 (f.img) = ${A}\nnot a checksum line\n${"g".repeat(64)}  f.img\n`;
    expect(parseChecksumFile(text)).toEqual([]);
  });

  it("unescapes GNU names with a leading backslash", () => {
    expect(findChecksum(`\\${A}  odd\\\\name.img\n`, "odd\\name.img", "sha256")).toEqual({
      found: true,
      value: A,
    });
  });
});

describe("lookup errors and names", () => {
  it("say which entry is missing from which URL", () => {
    const err = lookupError({ found: false, reason: "missing" }, "a.qcow2", "sha256", "https://x.test/SUMS");
    expect(err).toMatchObject({
      code: "E_NOT_FOUND",
      message: "no entry for a.qcow2 in https://x.test/SUMS",
    });
    const alg = lookupError({ found: false, reason: "algorithm", listed: ["sha256"] }, "a", "sha512", "u");
    expect(alg.message).toBe(
      "u lists sha256 for a, but the catalog expects sha512; fix the entry's checksum.algorithm",
    );
  });

  it("the listed name is the URL's last path segment, decoded", () => {
    expect(imageFileName("https://x.test/a/b%20c.qcow2?x=1")).toBe("b c.qcow2");
  });
});

describe("mirrors", () => {
  const mirrors = {
    "https://cloud.debian.org": "http://127.0.0.1:9000/cloud.debian.org",
    "https://cloud.debian.org/images/cloud/trixie": "http://local.lan/trixie/",
  };

  it("rewrites by the longest matching prefix, at path boundaries only", () => {
    expect(applyMirrors("https://cloud.debian.org/images/cloud/bookworm/latest/SHA512SUMS", mirrors)).toBe(
      "http://127.0.0.1:9000/cloud.debian.org/images/cloud/bookworm/latest/SHA512SUMS",
    );
    expect(applyMirrors("https://cloud.debian.org/images/cloud/trixie/latest/SHA512SUMS", mirrors)).toBe(
      "http://local.lan/trixie/latest/SHA512SUMS",
    );
    expect(applyMirrors("https://cloud.debian.org.evil.test/x", mirrors)).toBe(
      "https://cloud.debian.org.evil.test/x",
    );
    expect(applyMirrors("https://cloud.debian.org/images/cloud/trixie-backports/x", mirrors)).toBe(
      "http://127.0.0.1:9000/cloud.debian.org/images/cloud/trixie-backports/x",
    );
    expect(applyMirrors("https://other.test/x", {})).toBe("https://other.test/x");
  });

  it("display URLs drop credentials and query strings", () => {
    expect(displayUrl("https://user:secret@m.test/a/SUMS?token=abc")).toBe("https://m.test/a/SUMS?…");
  });
});
