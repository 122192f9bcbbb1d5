/**
 * TLS verification holds with NODE_TLS_REJECT_UNAUTHORIZED=0 in the environment: every connection the
 * client opens says rejectUnauthorized: true itself, and a pin is checked on every handshake, not only by
 * the probe. The servers record every request, so "refused" also means "no request carried the token".
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import selfsigned from "selfsigned";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type PveSimulator, startPveSimulator } from "../../src/sim/pve/index.js";
import { makePki, type TestPki } from "./helpers/certs.js";
import { makeClient, TOKEN_SECRET } from "./helpers/client.js";
import { type FakePve, startFakePve } from "./helpers/fake-pve.js";

const ENV = "NODE_TLS_REJECT_UNAUTHORIZED";
const VERSION = { data: { version: "9.1.5", release: "9.1", repoid: "0123abcd" } };

let pki: TestPki;
let dir: string;
let saved: string | undefined;

beforeAll(async () => {
  pki = await makePki();
  dir = mkdtempSync(join(tmpdir(), "pve-tls-env-"));
  writeFileSync(join(dir, "right.pem"), pki.caCert);
  writeFileSync(join(dir, "other.pem"), pki.otherCaCert);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(() => {
  saved = process.env[ENV];
  process.env[ENV] = "0";
});
afterEach(() => {
  if (saved === undefined) delete process.env[ENV];
  else process.env[ENV] = saved;
});

const otherFingerprint = (fp: string) => fp.replace(/^[0-9A-F]{2}/, (b) => (b === "00" ? "01" : "00"));

describe("with NODE_TLS_REJECT_UNAUTHORIZED=0, against the simulator's self-signed certificate", () => {
  let sim: PveSimulator;
  beforeAll(async () => {
    sim = await startPveSimulator({ tls: true });
  });
  afterAll(async () => sim.close());

  it.each([
    ["a CA file of another CA", () => ({ tlsCaFile: join(dir, "other.pem") })],
    ["a pin of another certificate", () => ({ tlsFingerprint: otherFingerprint(sim.fingerprint) })],
    ["nothing configured (system CAs)", () => ({})],
  ])("refuses the node with %s and sends no request", async (_name, tls) => {
    const before = sim.requests.entries.length;
    const { client } = makeClient(sim.url, { ...tls(), tokenSecret: sim.tokenSecret, getRetries: 0 });
    await expect(client.version()).rejects.toMatchObject({ code: "E_PVE_TLS" });
    await expect(client.gate.require()).rejects.toMatchObject({ code: "E_PVE_TLS" });
    expect(sim.requests.entries.length).toBe(before);
    client.close();
  });

  it("still accepts it with its own pin (the checks refuse only what they must)", async () => {
    const { client } = makeClient(sim.url, {
      tokenId: sim.tokenId,
      tokenSecret: sim.tokenSecret,
      tlsFingerprint: sim.fingerprint,
    });
    expect((await client.version()).release).toMatch(/^\d+\.\d+$/);
    client.close();
  });
});

describe("with NODE_TLS_REJECT_UNAUTHORIZED=0, a certificate that changes after the first connection", () => {
  let server: FakePve;
  beforeEach(async () => {
    server = await startFakePve(() => VERSION, { key: pki.leafKey, cert: pki.leafCert });
  });
  afterEach(async () => server.close());

  const tokenRequests = () =>
    server.requests.filter((r) => String(r.headers.authorization).includes(TOKEN_SECRET)).length;

  // One GET retry: the pooled keep-alive socket the server just closed may fail first with ECONNRESET;
  // the retry then opens a new connection through the same agent, whose handshake must refuse.
  it("is refused under a pin, even when the new one is self-signed", async () => {
    const { client } = makeClient(server.url, { tlsFingerprint: pki.leafFingerprint, getRetries: 1 });
    expect((await client.version()).version).toBe("9.1.5");
    expect(tokenRequests()).toBe(1);
    const intruder = await selfsigned.generate([{ name: "commonName", value: "pve1" }], {
      keyType: "ec",
      algorithm: "sha256",
    });
    server.replaceCertificate({ key: intruder.private, cert: intruder.cert });
    const err = await client.version().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "E_PVE_TLS" });
    // Refused by the pooled connection's own verification, not by a new probe.
    expect((err as Error).message).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY/);
    expect(tokenRequests()).toBe(1);
    client.close();
  });

  it("is refused under a pin with the CA file, although the new certificate is from the same CA", async () => {
    const { client } = makeClient(server.url, {
      tlsCaFile: join(dir, "right.pem"),
      tlsFingerprint: pki.leafFingerprint,
      getRetries: 1,
    });
    expect((await client.version()).version).toBe("9.1.5");
    server.replaceCertificate({ key: pki.secondLeafKey, cert: pki.secondLeafCert });
    const err = await client.version().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "E_PVE_TLS" });
    expect((err as Error).message).toMatch(/fingerprint/);
    expect(tokenRequests()).toBe(1);
    client.close();
  });

  it("keeps being refused on every later call, each one a fresh handshake", async () => {
    const { client } = makeClient(server.url, { tlsFingerprint: pki.leafFingerprint, getRetries: 2 });
    await client.version();
    server.replaceCertificate({ key: pki.secondLeafKey, cert: pki.secondLeafCert });
    for (let i = 0; i < 3; i++) {
      await expect(client.version()).rejects.toMatchObject({ code: "E_PVE_TLS" });
    }
    expect(tokenRequests()).toBe(1);
    client.close();
  });
});
