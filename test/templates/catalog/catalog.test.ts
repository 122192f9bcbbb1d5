import { describe, expect, it } from "vitest";
import { ImageCatalog, importFilename } from "../../../src/services/templates/catalog/catalog.js";
import data from "../../../src/services/templates/catalog/catalog.json" with { type: "json" };
import {
  type CatalogEntry,
  catalogConfigSchema,
  catalogEntrySchema,
} from "../../../src/services/templates/catalog/schema.js";

const bundled = data as unknown as CatalogEntry[];

function userImage(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    key: "acme-os-1",
    name: "Acme OS 1",
    version: "1",
    arch: "x86_64",
    imageUrl: "https://images.acme.test/acme-1.qcow2",
    checksum: { url: "https://images.acme.test/SHA256SUMS", algorithm: "sha256" },
    format: "qcow2",
    family: "other",
    loginUser: "acme",
    guestAgent: "preinstalled",
    minCpu: "x86-64-v2-AES",
    ...overrides,
  };
}

function loadError(extra: unknown[]): string {
  try {
    ImageCatalog.load(extra);
  } catch (err) {
    expect(err).toMatchObject({ code: "E_CONFIG" });
    return (err as Error).message;
  }
  throw new Error("ImageCatalog.load accepted bad entries");
}

describe("bundled catalog data", () => {
  const catalog = ImageCatalog.load();

  it("validates, holds at least 30 images and no key twice", () => {
    expect(catalog.all().length).toBeGreaterThanOrEqual(30);
    expect(catalog.all().length).toBe(bundled.length);
    expect(new Set(bundled.map((e) => e.key)).size).toBe(bundled.length);
    for (const row of bundled) expect(catalogEntrySchema.safeParse(row).success, row.key).toBe(true);
  });

  it("uses HTTPS for images and checksum files, or pins the digest", () => {
    for (const e of catalog.all()) {
      const pinned = "pinned" in e.checksum;
      if (!pinned) expect(new URL(e.imageUrl).protocol, e.key).toBe("https:");
      if ("url" in e.checksum) expect(new URL(e.checksum.url).protocol, e.key).toBe("https:");
    }
  });

  it("cites a source for every row and marks kept UNCONFIRMED patterns in notes", () => {
    for (const e of catalog.all()) expect(e.source ?? "", e.key).not.toBe("");
    const kept = catalog.all().filter((e) => e.notes?.includes("UNCONFIRMED"));
    expect(kept.map((e) => e.key)).toEqual(
      expect.arrayContaining([
        "ubuntu-26.04",
        "rocky-10",
        "fedora-44",
        "opensuse-tumbleweed",
        "opensuse-leap-16.0",
        "alpine-3.23",
      ]),
    );
  });

  it("leaves out end-of-life releases and images PVE cannot import over the API", () => {
    const keys = catalog.all().map((e) => e.key);
    for (const gone of [
      "debian-11",
      "ubuntu-20.04",
      "ubuntu-25.10",
      "opensuse-leap-15.6",
      "alpine-3.21",
      "freebsd-14.3",
      "kali-2026.1",
      "fedora-coreos-stable",
    ]) {
      expect(keys).not.toContain(gone);
    }
    for (const e of catalog.all()) {
      expect(new URL(e.imageUrl).pathname, e.key).toMatch(/\.(qcow2|img|raw)$/);
    }
  });

  it("asks for the CPU type each generation needs", () => {
    expect(catalog.get("rocky-9")?.minCpu).toBe("x86-64-v2-AES");
    expect(catalog.get("centos-stream-10")?.minCpu).toBe("x86-64-v3");
    expect(catalog.get("almalinux-10-x86-64-v2")?.minCpu).toBe("x86-64-v2-AES");
    for (const e of catalog.all().filter((x) => x.arch === "aarch64")) expect(e.minCpu, e.key).toBe("host");
  });

  it("lists families present and filters by family", () => {
    expect(catalog.families()).toEqual(["debian", "rhel", "suse", "arch", "alpine"]);
    const suse = catalog.byFamily("suse").map((e) => e.key);
    expect(suse).toEqual(["opensuse-leap-16.0", "opensuse-tumbleweed"]);
    expect(catalog.byFamily("freebsd")).toEqual([]);
  });
});

describe("user images", () => {
  it("are added after the bundled ones", () => {
    const catalog = ImageCatalog.load([userImage()]);
    expect(catalog.get("acme-os-1")?.loginUser).toBe("acme");
    expect(catalog.all().at(-1)?.key).toBe("acme-os-1");
    expect(catalog.families()).toContain("other");
  });

  it("a bad entry names its config path and every bad field at once", () => {
    const message = loadError([
      userImage(),
      userImage({ key: "Acme OS", imageUrl: "ftp://x.test/a.qcow2", format: "vmdk", minCpu: "pentium" }),
    ]);
    expect(message).toContain("templates.catalog.images[1].key:");
    expect(message).toContain("templates.catalog.images[1].imageUrl: must be an http(s) URL");
    expect(message).toContain("templates.catalog.images[1].format:");
    expect(message).toContain("templates.catalog.images[1].minCpu:");
    expect(message).not.toContain("images[0]");
  });

  it("a key used twice names both places", () => {
    expect(loadError([userImage({ key: "debian-13" })])).toMatch(
      /templates\.catalog\.images\[0\]: key 'debian-13' is already used by bundled catalog\[\d+\]/,
    );
    expect(loadError([userImage(), userImage()])).toContain(
      "templates.catalog.images[1]: key 'acme-os-1' is already used by templates.catalog.images[0]",
    );
  });

  it("plain http images need a pinned digest of the right length", () => {
    const http = { imageUrl: "http://mirror.lan/acme.qcow2" };
    expect(loadError([userImage(http)])).toContain(
      "imageUrl: must be an https:// URL unless the checksum is pinned",
    );
    const pinned = { ...http, checksum: { pinned: "AB".repeat(32), algorithm: "sha256" } };
    expect(ImageCatalog.load([userImage(pinned)]).get("acme-os-1")?.imageUrl).toBe(
      "http://mirror.lan/acme.qcow2",
    );
    const short = { checksum: { pinned: "ab".repeat(32), algorithm: "sha512" } };
    expect(loadError([userImage(short)])).toContain(
      "checksum.pinned: has the wrong length for its algorithm",
    );
  });

  it("a malformed checksum says which form it was read as and what is wrong", () => {
    expect(loadError([userImage({ checksum: { url: "https://a.test/SUMS", algorithm: "md5" } })])).toContain(
      "templates.catalog.images[0].checksum: a checksum is {url, algorithm[, format]} or {pinned, algorithm}; algorithm: Invalid option",
    );
    expect(loadError([userImage({ checksum: "sha256:abc" })])).toMatch(
      /images\[0\]\.checksum: a checksum is \{url, algorithm\[, format\]\} or \{pinned, algorithm\}$/m,
    );
  });

  it("URLs with credentials and checksum files over http are refused", () => {
    expect(loadError([userImage({ imageUrl: "https://u:p@images.acme.test/a.qcow2" })])).toContain(
      "imageUrl: must not contain a user name or password",
    );
    expect(
      loadError([userImage({ checksum: { url: "http://images.acme.test/SUMS", algorithm: "sha256" } })]),
    ).toContain("checksum.url: must be an https:// URL");
  });
});

describe("templates.catalog config section", () => {
  it("defaults to no images and no mirrors", () => {
    expect(catalogConfigSchema.parse(undefined)).toEqual({ images: [], mirrors: {} });
  });

  it("accepts images and a mirror map, refuses a bad mirror", () => {
    const ok = catalogConfigSchema.parse({
      images: [userImage()],
      mirrors: { "https://cloud-images.ubuntu.com": "http://127.0.0.1:8090/cloud-images.ubuntu.com" },
    });
    expect(ok.images[0]?.key).toBe("acme-os-1");
    const bad = catalogConfigSchema.safeParse({ mirrors: { "https://a.test": "mirror.lan/a" } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toBe("must be an http(s) URL prefix");
    expect(catalogConfigSchema.safeParse({ extra: 1 }).success).toBe(false);
  });
});

describe("suggestions and lookups", () => {
  const catalog = ImageCatalog.load();

  it("suggests the closest keys for typos and partial names", () => {
    expect(catalog.suggest("ubunt-24.04")[0]).toBe("ubuntu-24.04");
    expect(catalog.suggest("debain-13")[0]).toBe("debian-13");
    expect(catalog.suggest("rocky", 2)).toEqual(["rocky-8", "rocky-9"]);
    expect(catalog.suggest("alma")).toHaveLength(3);
    expect(catalog.suggest("alma").every((k) => k.startsWith("almalinux-"))).toBe(true);
    expect(catalog.suggest("x".repeat(10_000))).toHaveLength(3);
  });

  it("require names the closest keys for an unknown distro", () => {
    expect(catalog.require("debian-13").name).toContain("Trixie");
    expect(() => catalog.require("centos-stream-8")).toThrowError(
      /unknown distro 'centos-stream-8'; closest: centos-stream-9, centos-stream-10/,
    );
    expect(() => catalog.require("centos-stream-8")).toThrow(
      expect.objectContaining({ code: "E_NOT_FOUND" }),
    );
  });
});

describe("importFilename", () => {
  it("is versioned by the digest and ends in an extension content=import accepts", () => {
    const catalog = ImageCatalog.load();
    const digest = "9F1E6C3A00B4".padEnd(64, "0");
    expect(importFilename(catalog.require("ubuntu-24.04"), digest)).toBe("ubuntu-24.04-9f1e6c3a00b4.qcow2");
    for (const e of catalog.all()) {
      const name = importFilename(e, "a".repeat(64));
      expect(name).toMatch(/\.(qcow2|raw|vmdk|ova)$/);
      expect(name).toMatch(/^[a-zA-Z0-9_.-]+$/);
    }
    expect(importFilename(catalog.require("debian-13"), "b".repeat(128))).not.toBe(
      importFilename(catalog.require("debian-13"), "c".repeat(128)),
    );
  });

  it("refuses something that is not a digest", () => {
    expect(() => importFilename({ key: "a1", format: "raw" }, "../../etc")).toThrow(
      expect.objectContaining({ code: "E_ARGS" }),
    );
  });
});
