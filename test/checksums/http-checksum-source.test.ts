import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { HttpChecksumSource } from "../../src/adapters/checksums/http-checksum-source.js";
import { TransientError, UserError } from "../../src/services/errors.js";
import type { Log } from "../../src/services/ports.js";
import { ImageCatalog } from "../../src/services/templates/catalog/catalog.js";
import type { CatalogEntry } from "../../src/services/templates/catalog/schema.js";
import { type ChecksumMirror, startChecksumMirror } from "../../src/sim/mirror/checksum-mirror.js";
import { createSelfSignedCert } from "../../src/sim/pve/tls.js";

function memoryLog(lines: string[]): Log {
  const write = (obj: object | string, msg?: string) => lines.push(JSON.stringify([obj, msg]));
  return { debug: write, info: write, warn: write, error: write, child: () => memoryLog(lines) };
}

const catalog = ImageCatalog.load();
let mirror: ChecksumMirror;
const logLines: string[] = [];

function source(over: Partial<ConstructorParameters<typeof HttpChecksumSource>[0]> = {}) {
  return new HttpChecksumSource({
    mirrors: mirror.mirrors,
    timeoutMs: 2000,
    maxBytes: 64 * 1024,
    log: memoryLog(logLines),
    ...over,
  });
}

function variant(key: string, over: Partial<CatalogEntry>): CatalogEntry {
  return { ...catalog.require(key), ...over } as CatalogEntry;
}

async function caught(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

/** A one-route server for answers the mirror does not give: huge, slow, chunked. */
async function rawServer(
  handler: Parameters<typeof createServer>[1],
): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

beforeAll(async () => {
  mirror = await startChecksumMirror({ catalog });
});
afterAll(async () => {
  await mirror.close();
});

describe("HttpChecksumSource against the mirror", () => {
  it("reads the digest of every catalog image from its vendor-style checksum file", async () => {
    const s = source();
    for (const entry of catalog.all()) {
      const expected = await s.expected(entry);
      expect(expected.value, entry.key).toBe(mirror.checksumFor(entry.key));
      expect(expected.algorithm).toBe(entry.checksum.algorithm);
      expect(expected.imageUrl.startsWith(`${mirror.url}/`), entry.key).toBe(true);
      expect(expected.checksumUrl?.startsWith(`${mirror.url}/`), entry.key).toBe(true);
    }
  });

  it("hands out a digest the downloaded image really has", async () => {
    const expected = await source().expected(catalog.require("debian-13"));
    const bytes = Buffer.from(await (await fetch(expected.imageUrl)).arrayBuffer());
    expect(createHash("sha512").update(bytes).digest("hex")).toBe(expected.value);
  });

  it("a missing entry names the file and the checksum URL", async () => {
    const entry = variant("debian-13", {
      key: "debian-13-nocloud",
      imageUrl: "https://cloud.debian.org/images/cloud/trixie/latest/debian-13-nocloud-amd64.qcow2",
    });
    const err = await caught(source().expected(entry));
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toBe(
      `no entry for debian-13-nocloud-amd64.qcow2 in ${mirror.url}/cloud.debian.org/images/cloud/trixie/latest/SHA512SUMS`,
    );
  });

  it("an algorithm that does not match the file is a clear catalog error", async () => {
    const entry = variant("debian-13", {
      checksum: {
        url: "https://cloud.debian.org/images/cloud/trixie/latest/SHA512SUMS",
        algorithm: "sha256",
      },
    });
    const err = await caught(source().expected(entry));
    expect(err).toMatchObject({ code: "E_ARGS" });
    expect(err.message).toMatch(
      /lists sha512 for debian-13-genericcloud-amd64\.qcow2, but the catalog expects sha256/,
    );
  });

  it("a 404 fails with the URL and the status, and is not cached", async () => {
    const entry = catalog.require("rocky-9");
    mirror.fail("https://dl.rockylinux.org/pub/rocky/9/images/x86_64/CHECKSUM", 404);
    const s = source();
    const err = await caught(s.expected(entry));
    expect(err).toMatchObject({ code: "E_NOT_FOUND" });
    expect(err.message).toBe(
      `checksum file ${mirror.url}/dl.rockylinux.org/pub/rocky/9/images/x86_64/CHECKSUM could not be fetched: HTTP 404`,
    );
    mirror.heal("https://dl.rockylinux.org/pub/rocky/9/images/x86_64/CHECKSUM");
    expect((await s.expected(entry)).value).toBe(mirror.checksumFor("rocky-9"));
  });

  it("a server error is transient so the job retries", async () => {
    mirror.fail("https://cdn.amazonlinux.com/al2023/os-images/2023.9.20251110.1/kvm/SHA256SUMS", 503);
    try {
      const err = await caught(source().expected(catalog.require("amazonlinux-2023")));
      expect(err).toBeInstanceOf(TransientError);
      expect(err.message).toMatch(
        /^checksum file http:\/\/127\.0\.0\.1:\d+\/cdn\.amazonlinux\.com\/.+\/SHA256SUMS could not be fetched: HTTP 503$/,
      );
    } finally {
      mirror.heal("https://cdn.amazonlinux.com/al2023/os-images/2023.9.20251110.1/kvm/SHA256SUMS");
    }
  });

  it("caches a file per URL for the TTL and shares one fetch between concurrent builds", async () => {
    let now = 1_000_000;
    const s = source({ clock: { now: () => now }, cacheTtlMs: 30_000 });
    const path = "https://cloud-images.ubuntu.com/releases/noble/release/SHA256SUMS";
    const before = mirror.requests(path);
    await Promise.all([
      s.expected(catalog.require("ubuntu-24.04")),
      s.expected(catalog.require("ubuntu-24.04-aarch64")),
      s.expected(catalog.require("ubuntu-24.04")),
    ]);
    expect(mirror.requests(path) - before).toBe(1);
    const rebuilt = mirror.publishBuild("ubuntu-24.04");
    now += 29_000;
    expect((await s.expected(catalog.require("ubuntu-24.04"))).value).not.toBe(rebuilt);
    now += 2_000;
    expect((await s.expected(catalog.require("ubuntu-24.04"))).value).toBe(rebuilt);
    expect(mirror.requests(path) - before).toBe(2);
  });

  it("a changed upstream listing reaches the next build", async () => {
    const hex = "e".repeat(128);
    mirror.setChecksum("alpine-3.23", hex);
    expect((await source().expected(catalog.require("alpine-3.23"))).value).toBe(hex);
    expect(() => mirror.setChecksum("alpine-3.23", "e".repeat(64))).toThrow(/128 lowercase hex/);
  });

  it("pinned digests need no request; mirrors still rewrite the image URL", async () => {
    const entry = variant("debian-13", { checksum: { pinned: "AB".repeat(64), algorithm: "sha512" } });
    const before = mirror.requests("https://cloud.debian.org/images/cloud/trixie/latest/SHA512SUMS");
    const expected = await source().expected(entry);
    expect(expected).toEqual({
      algorithm: "sha512",
      value: "ab".repeat(64),
      imageUrl: `${mirror.url}/cloud.debian.org/images/cloud/trixie/latest/debian-13-genericcloud-amd64.qcow2`,
    });
    expect(mirror.requests("https://cloud.debian.org/images/cloud/trixie/latest/SHA512SUMS")).toBe(before);
  });
});

describe("HttpChecksumSource limits", () => {
  const entryAt = (base: string) =>
    variant("archlinux", {
      key: "limits-test",
      checksum: { url: `${base}/SUMS`, algorithm: "sha256", format: "single" },
    });

  it("refuses a file over the size cap, declared or streamed", async () => {
    const big = "0".repeat(64 * 1024);
    const { url, server } = await rawServer((req, res) => {
      if (req.url === "/chunked/SUMS") {
        res.writeHead(200);
        res.write(big);
        res.end(big);
      } else res.writeHead(200, { "content-length": big.length }).end(big);
    });
    try {
      const s = new HttpChecksumSource({ mirrors: {}, timeoutMs: 2000, maxBytes: 1024, log: memoryLog([]) });
      const declared = await caught(s.expected(entryAt(url)));
      expect(declared.message).toBe(
        `checksum file ${url}/SUMS could not be fetched: larger than 1024 bytes; is the URL a checksum file?`,
      );
      const streamed = await caught(s.expected(entryAt(`${url}/chunked`)));
      expect(streamed).toMatchObject({ code: "E_NOT_FOUND" });
      expect(streamed.message).toContain("larger than 1024 bytes");
    } finally {
      await closeServer(server);
    }
  });

  it("gives up after the timeout, naming the URL", async () => {
    const { url, server } = await rawServer(() => undefined);
    try {
      const s = new HttpChecksumSource({ mirrors: {}, timeoutMs: 150, maxBytes: 1024, log: memoryLog([]) });
      const err = await caught(s.expected(entryAt(url)));
      expect(err).toBeInstanceOf(TransientError);
      expect(err.message).toBe(`checksum file ${url}/SUMS could not be fetched: no answer within 150 ms`);
    } finally {
      await closeServer(server);
    }
  });

  it("a closed port is a transient failure naming the URL", async () => {
    const { url, server } = await rawServer(() => undefined);
    await closeServer(server);
    const s = new HttpChecksumSource({ mirrors: {}, timeoutMs: 2000, maxBytes: 1024, log: memoryLog([]) });
    const err = await caught(s.expected(entryAt(url)));
    expect(err).toBeInstanceOf(TransientError);
    expect(err.message).toBe(`checksum file ${url}/SUMS could not be fetched: ECONNREFUSED`);
  });

  it("verifies TLS: a mirror with an untrusted certificate is refused", async () => {
    const cert = await createSelfSignedCert("127.0.0.1");
    const tlsMirror = await startChecksumMirror({ catalog, tls: { key: cert.keyPem, cert: cert.certPem } });
    try {
      const s = new HttpChecksumSource({
        mirrors: tlsMirror.mirrors,
        timeoutMs: 2000,
        maxBytes: 65536,
        log: memoryLog([]),
      });
      const err = await caught(s.expected(catalog.require("debian-12")));
      expect(err).toBeInstanceOf(TransientError);
      expect(err.message).toMatch(
        new RegExp(
          `^checksum file ${tlsMirror.url}/cloud\\.debian\\.org/.+/SHA512SUMS could not be fetched: [A-Z_]*CERT`,
        ),
      );
    } finally {
      await tlsMirror.close();
    }
  });
});

describe("HttpChecksumSource with NODE_TLS_REJECT_UNAUTHORIZED=0", () => {
  const ENV = "NODE_TLS_REJECT_UNAUTHORIZED";
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env[ENV];
    process.env[ENV] = "0";
  });
  afterEach(() => {
    if (saved === undefined) delete process.env[ENV];
    else process.env[ENV] = saved;
  });

  it("still refuses a mirror with a self-signed certificate, before any request reaches it", async () => {
    const cert = await createSelfSignedCert("127.0.0.1");
    const tlsMirror = await startChecksumMirror({ catalog, tls: { key: cert.keyPem, cert: cert.certPem } });
    const sums = "https://cloud.debian.org/images/cloud/bookworm/latest/SHA512SUMS";
    try {
      const s = new HttpChecksumSource({
        mirrors: tlsMirror.mirrors,
        timeoutMs: 2000,
        maxBytes: 65536,
        log: memoryLog([]),
      });
      const err = await caught(s.expected(catalog.require("debian-12")));
      expect(err).toBeInstanceOf(TransientError);
      expect(err.message).toMatch(/could not be fetched: [A-Z_]*(CERT|SELF_SIGNED)/);
      expect(tlsMirror.requests(sums)).toBe(0);
    } finally {
      await tlsMirror.close();
    }
  });
});

describe("HttpChecksumSource over TLS with a trusted CA", () => {
  const tsx = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));
  const script = fileURLToPath(new URL("./fixtures/expected-over-tls.ts", import.meta.url));

  async function inChild(
    caFile: string,
    entry: CatalogEntry,
    mirrors: Record<string, string>,
  ): Promise<unknown> {
    const child = spawn(tsx, [script], {
      env: {
        ...process.env,
        NODE_EXTRA_CA_CERTS: caFile,
        ENTRY: JSON.stringify(entry),
        MIRRORS: JSON.stringify(mirrors),
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
    });
    await new Promise((resolve) => child.on("close", resolve));
    return JSON.parse(out.trim().split("\n").at(-1) ?? "null");
  }

  it("reads the digest when the certificate verifies, and refuses a redirect down to plain http", async () => {
    const cert = await createSelfSignedCert("127.0.0.1");
    const dir = mkdtempSync(join(tmpdir(), "checksum-ca-"));
    const caFile = join(dir, "ca.pem");
    writeFileSync(caFile, cert.certPem);
    const tlsMirror = await startChecksumMirror({ catalog, tls: { key: cert.keyPem, cert: cert.certPem } });
    const plain = await rawServer((_req, res) => {
      res.writeHead(200).end(`${"a".repeat(64)}  Arch-Linux-x86_64-cloudimg.qcow2\n`);
    });
    const redirecting = createHttpsServer({ key: cert.keyPem, cert: cert.certPem }, (_req, res) => {
      res.writeHead(302, { location: `${plain.url}/SUMS` }).end();
    });
    await new Promise<void>((resolve) => redirecting.listen(0, "127.0.0.1", resolve));
    const redirectUrl = `https://127.0.0.1:${(redirecting.address() as AddressInfo).port}`;
    try {
      const verified = await inChild(caFile, catalog.require("debian-12"), tlsMirror.mirrors);
      expect(verified).toEqual({
        ok: {
          algorithm: "sha512",
          value: tlsMirror.checksumFor("debian-12"),
          checksumUrl: `${tlsMirror.url}/cloud.debian.org/images/cloud/bookworm/latest/SHA512SUMS`,
          imageUrl: `${tlsMirror.url}/cloud.debian.org/images/cloud/bookworm/latest/debian-12-genericcloud-amd64.qcow2`,
        },
      });
      const downgraded = await inChild(
        caFile,
        variant("archlinux", {
          checksum: { url: `${redirectUrl}/SUMS`, algorithm: "sha256", format: "single" },
        }),
        {},
      );
      expect(downgraded).toEqual({
        error: {
          name: "UserError",
          code: "E_NOT_FOUND",
          message: `checksum file ${redirectUrl}/SUMS could not be fetched: redirected to plain http, which would drop TLS protection`,
        },
      });
    } finally {
      await tlsMirror.close();
      await closeServer(plain.server);
      redirecting.closeAllConnections();
      await new Promise((resolve) => redirecting.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  }, 20_000);
});
