import { createHash } from "node:crypto";
import { get } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImageCatalog } from "../../src/services/templates/catalog/catalog.js";
import { findChecksum } from "../../src/services/templates/catalog/checksums.js";
import { type ChecksumMirror, startChecksumMirror } from "../../src/sim/mirror/checksum-mirror.js";
import { createSelfSignedCert } from "../../src/sim/pve/tls.js";

const catalog = ImageCatalog.load();
let mirror: ChecksumMirror;

beforeAll(async () => {
  mirror = await startChecksumMirror({ catalog });
});
afterAll(async () => {
  await mirror.close();
});

async function text(path: string, init?: RequestInit): Promise<{ status: number; body: string }> {
  const res = await fetch(`${mirror.url}${path}`, init);
  return { status: res.status, body: await res.text() };
}

describe("checksum mirror", () => {
  it("maps every upstream origin of the catalog to a prefix under its URL", () => {
    expect(mirror.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(mirror.mirrors["https://cloud-images.ubuntu.com"]).toBe(`${mirror.url}/cloud-images.ubuntu.com`);
    const origins = new Set(
      catalog
        .all()
        .flatMap((e) =>
          [new URL(e.imageUrl).origin, "url" in e.checksum ? new URL(e.checksum.url).origin : []].flat(),
        ),
    );
    expect(new Set(Object.keys(mirror.mirrors))).toEqual(origins);
  });

  it("serves one GNU SUMS file per directory, listing every architecture and a file outside the catalog", async () => {
    const { status, body } = await text("/cloud-images.ubuntu.com/releases/noble/release/SHA256SUMS");
    expect(status).toBe(200);
    const lines = body.trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines).toContain(`${mirror.checksumFor("ubuntu-24.04")}  ubuntu-24.04-server-cloudimg-amd64.img`);
    expect(lines).toContain(
      `${mirror.checksumFor("ubuntu-24.04-aarch64")}  ubuntu-24.04-server-cloudimg-arm64.img`,
    );
  });

  it("serves BSD files with byte-count comments, signed where upstream signs", async () => {
    const rocky = await text("/dl.rockylinux.org/pub/rocky/9/images/x86_64/CHECKSUM");
    expect(rocky.body).toContain("# Rocky-9-GenericCloud-Base.latest.x86_64.qcow2: ");
    expect(rocky.body).toContain(
      `SHA256 (Rocky-9-GenericCloud-Base.latest.x86_64.qcow2) = ${mirror.checksumFor("rocky-9")}`,
    );
    const fedora = await text(
      "/download.fedoraproject.org/pub/fedora/linux/releases/44/Cloud/x86_64/images/Fedora-Cloud-44-1.7-x86_64-CHECKSUM",
    );
    expect(fedora.body.startsWith("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n")).toBe(true);
    expect(fedora.body).toContain("-----END PGP SIGNATURE-----");
    expect(findChecksum(fedora.body, "Fedora-Cloud-Base-Generic-44-1.7.x86_64.qcow2", "sha256")).toEqual({
      found: true,
      value: mirror.checksumFor("fedora-44"),
    });
  });

  it("serves single-file sidecars with one line", async () => {
    const alpine = catalog.require("alpine-3.22");
    if (!("url" in alpine.checksum)) throw new Error("alpine-3.22 reads a sidecar file");
    const upstream = new URL(alpine.checksum.url);
    const sidecar = await text(`/${upstream.host}${upstream.pathname}`);
    expect(sidecar.body).toBe(
      `${mirror.checksumFor("alpine-3.22")}  generic_alpine-3.22.2-x86_64-bios-cloudinit-r0.qcow2\n`,
    );
    expect(mirror.checksumFor("alpine-3.22")).toMatch(/^[0-9a-f]{128}$/);
  });

  it("serves image bytes whose digest is the listed one, deterministic across mirrors", async () => {
    const res = await fetch(
      `${mirror.url}/cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-amd64.qcow2`,
    );
    const digest = createHash("sha512")
      .update(Buffer.from(await res.arrayBuffer()))
      .digest("hex");
    expect(digest).toBe(mirror.checksumFor("debian-12"));
    const other = await startChecksumMirror({ catalog: catalog.all() });
    try {
      expect(other.checksumFor("debian-12")).toBe(mirror.checksumFor("debian-12"));
      expect(other.url).not.toBe(mirror.url);
    } finally {
      await other.close();
    }
  });

  it("publishBuild changes bytes and digest together; setChecksum makes them disagree", async () => {
    const before = mirror.checksumFor("archlinux");
    const after = mirror.publishBuild("archlinux");
    expect(after).not.toBe(before);
    const path = "/geo.mirror.pkgbuild.com/images/latest/Arch-Linux-x86_64-cloudimg.qcow2";
    const bytes = Buffer.from(await (await fetch(`${mirror.url}${path}`)).arrayBuffer());
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(after);
    mirror.setChecksum("archlinux", "f".repeat(64));
    expect((await text(`${path}.SHA256`)).body).toBe(`${"f".repeat(64)}  Arch-Linux-x86_64-cloudimg.qcow2\n`);
    expect(() => mirror.setChecksum("archlinux", "F".repeat(64))).toThrow(/64 lowercase hex/);
    expect(() => mirror.checksumFor("nope")).toThrow("the mirror serves no image 'nope'");
  });

  it("fails a path on request until healed, by mirror path or upstream URL", async () => {
    const path = "/repo.almalinux.org/almalinux/9/cloud/x86_64/images/CHECKSUM";
    mirror.fail(path, 500);
    expect((await text(path)).status).toBe(500);
    mirror.heal(`${mirror.url}${path}`);
    expect((await text(path)).status).toBe(200);
    mirror.fail("https://repo.almalinux.org/almalinux/9/cloud/x86_64/images/CHECKSUM", 403);
    expect((await text(path)).status).toBe(403);
    mirror.heal(path);
    expect(mirror.requests(path)).toBe(3);
  });

  it("answers HEAD, refuses other methods, and 404s unknown paths", async () => {
    const head = await fetch(`${mirror.url}/cloud.debian.org/images/cloud/trixie/latest/SHA512SUMS`, {
      method: "HEAD",
    });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get("content-length"))).toBeGreaterThan(128);
    expect(
      (await text("/cloud.debian.org/images/cloud/trixie/latest/SHA512SUMS", { method: "POST" })).status,
    ).toBe(405);
    expect((await text("/cloud.debian.org/nothing-here")).status).toBe(404);
  });

  it("speaks HTTPS with the given certificate", async () => {
    const cert = await createSelfSignedCert("127.0.0.1");
    const tls = await startChecksumMirror({ catalog, tls: { key: cert.keyPem, cert: cert.certPem } });
    try {
      expect(tls.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const body = await new Promise<string>((resolve, reject) => {
        get(
          `${tls.url}/cloud-images.ubuntu.com/releases/jammy/release/SHA256SUMS`,
          { ca: cert.certPem },
          (res) => {
            let data = "";
            res.on("data", (c) => {
              data += c;
            });
            res.on("end", () => resolve(data));
          },
        ).on("error", reject);
      });
      expect(body).toContain(`${tls.checksumFor("ubuntu-22.04")}  ubuntu-22.04-server-cloudimg-amd64.img`);
    } finally {
      await tls.close();
    }
  });
});
