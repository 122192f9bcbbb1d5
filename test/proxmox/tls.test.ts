import { X509Certificate } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import selfsigned from "selfsigned";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makePki, type TestPki } from "./helpers/certs.js";
import { makeClient } from "./helpers/client.js";
import { type FakePve, startFakePve } from "./helpers/fake-pve.js";

let pki: TestPki;
let server: FakePve;

beforeAll(async () => {
  pki = await makePki();
  server = await startFakePve(() => ({ data: { version: "9.1.5", release: "9.1", repoid: "0123abcd" } }), {
    key: pki.leafKey,
    cert: pki.leafCert,
  });
});
afterAll(async () => server.close());

describe("TLS verification", () => {
  it("accepts the node whose certificate matches the pinned SHA-256 fingerprint", async () => {
    const { client } = makeClient(server.url, { tlsFingerprint: pki.leafFingerprint.toLowerCase() });
    expect((await client.version()).release).toBe("9.1");
    expect((await client.version()).version).toBe("9.1.5");
    client.close();
  });

  it("refuses a wrong fingerprint before sending any request", async () => {
    const before = server.requests.length;
    const wrong = pki.leafFingerprint.replace(/^[0-9A-F]{2}/, (b) => (b === "00" ? "01" : "00"));
    const { client } = makeClient(server.url, { tlsFingerprint: wrong, getRetries: 0 });
    const err = await client.version().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "E_PVE_TLS" });
    expect((err as Error).message).toContain(`fingerprint is ${pki.leafFingerprint}`);
    expect((err as Error).message).toMatch(/Check proxmox\.tlsFingerprint/);
    expect(server.requests.length).toBe(before);
  });

  it("refuses a certificate from an unknown CA when nothing is configured", async () => {
    const before = server.requests.length;
    const { client } = makeClient(server.url, { getRetries: 0 });
    const err = await client.version().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "E_PVE_TLS" });
    expect((err as Error).message).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
    expect(server.requests.length).toBe(before);
  });

  it("accepts the node with the right CA file and refuses it with another CA", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pve-ca-"));
    try {
      writeFileSync(join(dir, "right.pem"), pki.caCert);
      writeFileSync(join(dir, "other.pem"), pki.otherCaCert);
      const good = makeClient(server.url, { tlsCaFile: join(dir, "right.pem") }).client;
      expect((await good.version()).release).toBe("9.1");
      good.close();
      const bad = makeClient(server.url, { tlsCaFile: join(dir, "other.pem"), getRetries: 0 }).client;
      await expect(bad.version()).rejects.toMatchObject({ code: "E_PVE_TLS" });
      expect(() => makeClient(server.url, { tlsCaFile: join(dir, "missing.pem") })).toThrow(
        /proxmox\.tlsCaFile: .*missing\.pem does not exist/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a pin does not accept an expired certificate", async () => {
    const now = Date.now();
    const old = await selfsigned.generate([{ name: "commonName", value: "pve-old" }], {
      keyType: "ec",
      algorithm: "sha256",
      notBeforeDate: new Date(now - 10 * 86_400_000),
      notAfterDate: new Date(now - 86_400_000),
    });
    const expired = await startFakePve(() => ({ data: { version: "9.1.5", release: "9.1", repoid: "x" } }), {
      key: old.private,
      cert: old.cert,
    });
    try {
      const pin = new X509Certificate(old.cert).fingerprint256;
      const { client } = makeClient(expired.url, { tlsFingerprint: pin, getRetries: 0 });
      const err = await client.version().catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "E_PVE_TLS" });
      expect((err as Error).message).toContain("CERT_HAS_EXPIRED");
      expect(expired.requests).toHaveLength(0);
      client.close();
    } finally {
      await expired.close();
    }
  });

  it("no source file disables certificate verification", () => {
    const forbidden = ["NODE_TLS_REJECT", "_UNAUTHORIZED", "reject" + "Unauthorized: ", "false"];
    const patterns = [forbidden[0]! + forbidden[1]!, forbidden[2]! + forbidden[3]!];
    const walk = (dir: string): string[] =>
      readdirSync(dir).flatMap((f) => {
        const p = join(dir, f);
        return statSync(p).isDirectory() ? walk(p) : [p];
      });
    const offenders = walk("src").filter((f) => patterns.some((p) => readFileSync(f, "utf8").includes(p)));
    expect(offenders).toEqual([]);
  });
});
