/**
 * `proxmox.tlsCaFile` that cannot serve as a trust anchor is a configuration error, both at
 * `config check` (exit 1, the key and the path named) and when the Proxmox client is built at start.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createProxmoxClient } from "../../src/adapters/proxmox/client.js";
import { proxmoxConfigSchema } from "../../src/adapters/proxmox/config.js";
import { runConfigCommand } from "../../src/bot/config/cli.js";
import { runBot } from "../../src/bot/main.js";
import { createSelfSignedCert } from "../../src/sim/pve/tls.js";
import { captureLog, ManualClock } from "../proxmox/helpers/client.js";
import { scratchDir } from "./helpers.js";

const PROXMOX_ENV = {
  PROXMOX_URL: "https://pve1.example:8006",
  PROXMOX_TOKEN_ID: "chatops@pve!bot",
  PROXMOX_TOKEN_SECRET: "5f0e2a7c-1d2b-4c3e-9f8a-0b1c2d3e4f5a",
};

let scratch: ReturnType<typeof scratchDir>;
beforeEach(() => {
  scratch = scratchDir();
});
afterEach(() => scratch.cleanup());

async function check(env: Record<string, string>, argv: string[] = []) {
  const out = { stdout: "", stderr: "" };
  const code = await runConfigCommand("check", {
    argv,
    env,
    cwd: scratch.dir,
    stdout: { write: (s: string) => (out.stdout += s) },
    stderr: { write: (s: string) => (out.stderr += s) },
  });
  return { code, ...out };
}

const BAD_FILES: Array<[string, (dir: string) => string, RegExp]> = [
  ["missing", (dir) => join(dir, "missing.pem"), /does not exist/],
  [
    "a directory",
    (dir) => {
      mkdirSync(join(dir, "certs"));
      return join(dir, "certs");
    },
    /is a directory, not a PEM file/,
  ],
  ["empty", () => scratch.write("empty.pem", "\n  \n"), /is empty/],
  ["not PEM", () => scratch.write("key.der", "MIIBszCCAVmgAwIBAgIU\n"), /holds no PEM certificate/],
  [
    "a broken PEM block",
    () =>
      scratch.write(
        "broken.pem",
        "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n",
      ),
    /certificate 1 in it is not a valid X\.509 certificate/,
  ],
];

describe("proxmox.tlsCaFile", () => {
  it.each(BAD_FILES)("%s: config check exits 1 naming the key and the path", async (_name, make, reason) => {
    const path = make(scratch.dir);
    const result = await check({ ...PROXMOX_ENV, PROXMOX_TLS_CA_FILE: path });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    const line = result.stderr.split("\n").find((l) => l.includes("proxmox.tlsCaFile"));
    expect(line).toContain(`proxmox.tlsCaFile: ${path} `);
    expect(line).toMatch(reason);
    expect(line).toContain("(set by PROXMOX_TLS_CA_FILE)");
  });

  it.each(BAD_FILES)("%s: building the client at start refuses it the same way", (_name, make, reason) => {
    const path = make(scratch.dir);
    const config = proxmoxConfigSchema.parse({
      url: PROXMOX_ENV.PROXMOX_URL,
      tokenId: PROXMOX_ENV.PROXMOX_TOKEN_ID,
      tokenSecret: PROXMOX_ENV.PROXMOX_TOKEN_SECRET,
      tlsCaFile: path,
    });
    let thrown: unknown;
    try {
      createProxmoxClient(config, { log: captureLog(), clock: new ManualClock() });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ code: "E_CONFIG" });
    expect((thrown as Error).message).toContain(`proxmox.tlsCaFile: ${path} `);
    expect((thrown as Error).message).toMatch(reason);
  });

  it("`run` stops at start with exit 1 on a bad CA file or an http URL without allowInsecureHttp", async () => {
    const start = async (env: Record<string, string>) => {
      let stderr = "";
      const code = await runBot(
        { argv: [], env, stdout: { write: () => true }, stderr: { write: (t: string) => (stderr += t) } },
        "run",
      );
      return { code, stderr };
    };
    const missing = join(scratch.dir, "gone.pem");
    const badCa = await start({ ...PROXMOX_ENV, PROXMOX_TLS_CA_FILE: missing });
    expect(badCa.code).toBe(1);
    expect(badCa.stderr).toContain(`proxmox.tlsCaFile: ${missing} does not exist`);
    const http = await start({ ...PROXMOX_ENV, PROXMOX_URL: "http://pve1.example:8006" });
    expect(http.code).toBe(1);
    expect(http.stderr).toMatch(/proxmox\.url: plain http .*proxmox\.allowInsecureHttp: true/);
  });

  it("a relative path in the file is resolved against the working directory; a good PEM passes", async () => {
    const cert = await createSelfSignedCert("pve1.example");
    scratch.write("pki/pve-root-ca.pem", cert.certPem);
    const file = scratch.write(
      "c.yml",
      [
        "proxmox:",
        `  url: ${PROXMOX_ENV.PROXMOX_URL}`,
        `  tokenId: "${PROXMOX_ENV.PROXMOX_TOKEN_ID}"`,
        "  tlsCaFile: pki/pve-root-ca.pem",
      ].join("\n"),
    );
    const env = { PROXMOX_TOKEN_SECRET: PROXMOX_ENV.PROXMOX_TOKEN_SECRET };
    const good = await check(env, ["--config", file]);
    expect(good.stderr).toMatch(/configuration is valid/);
    expect(good.code).toBe(0);
    scratch.write("pki/pve-root-ca.pem", "");
    const bad = await check(env, ["--config", file]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`proxmox.tlsCaFile: ${join(scratch.dir, "pki/pve-root-ca.pem")} is empty`);
  });
});
