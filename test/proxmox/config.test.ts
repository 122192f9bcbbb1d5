import { describe, expect, it } from "vitest";
import { createProxmoxClient } from "../../src/adapters/proxmox/client.js";
import { proxmoxConfigSchema } from "../../src/adapters/proxmox/config.js";
import { endpointOf } from "../../src/adapters/proxmox/transport.js";
import { createVersionGate, isSupported } from "../../src/adapters/proxmox/version.js";
import type { Proxmox, PveVersion } from "../../src/services/proxmox.js";
import { captureLog, ManualClock, makeClient } from "./helpers/client.js";

const base = { tokenId: "chatops@pve!bot", tokenSecret: "5F0E2A7C-1d2b-4c3e-9f8a-0b1c2d3e4f5a" };

describe("proxmox config", () => {
  it("puts the port 8006 in when the URL has none, and keeps an explicit one", () => {
    expect(proxmoxConfigSchema.parse({ ...base, url: "https://pve1.example" }).url).toBe(
      "https://pve1.example:8006",
    );
    expect(proxmoxConfigSchema.parse({ ...base, url: "https://pve1.example:443/" }).url).toBe(
      "https://pve1.example:443",
    );
    const http = { ...base, url: "http://127.0.0.1:18006", allowInsecureHttp: true };
    expect(proxmoxConfigSchema.parse(http).url).toBe("http://127.0.0.1:18006");
  });

  it("refuses a plain http URL unless allowInsecureHttp is set, naming the setting", () => {
    for (const url of ["http://127.0.0.1:18006", "http://pve1.example:8006"]) {
      const r = proxmoxConfigSchema.safeParse({ ...base, url });
      expect(r.success).toBe(false);
      expect(r.error!.issues.map((i) => [i.path.join("."), i.message])).toEqual([
        [
          "url",
          expect.stringMatching(
            /token unencrypted.*proxmox\.allowInsecureHttp: true.*PROXMOX_ALLOW_INSECURE_HTTP/,
          ),
        ],
      ]);
    }
    expect(proxmoxConfigSchema.parse({ ...base, url: "https://pve1" }).allowInsecureHttp).toBe(false);
    const explicitOff = proxmoxConfigSchema.safeParse({ ...base, url: "http://x", allowInsecureHttp: false });
    expect(explicitOff.success).toBe(false);
  });

  it("the client refuses an http endpoint that did not come through the schema's check", () => {
    const config = proxmoxConfigSchema.parse({ ...base, url: "https://pve1" });
    const forged = { ...config, url: "http://pve1:8006" };
    expect(() => createProxmoxClient(forged, { log: captureLog(), clock: new ManualClock() })).toThrow(
      /proxmox\.url: plain http .*allowInsecureHttp/,
    );
  });

  it("connects to the port in the URL, including a scheme's default one", () => {
    expect(endpointOf("https://pve1.example:443")).toEqual({ secure: true, host: "pve1.example", port: 443 });
    expect(endpointOf("http://127.0.0.1:80")).toEqual({ secure: false, host: "127.0.0.1", port: 80 });
    expect(endpointOf("https://[fd00::1]:8006")).toEqual({ secure: true, host: "fd00::1", port: 8006 });
  });

  it("applies defaults for timeouts, retries and the version cache", () => {
    const c = proxmoxConfigSchema.parse({ ...base, url: "https://pve1:8006", timeouts: { request: "10s" } });
    expect(c.timeouts).toEqual({ request: 10_000, task: 900_000, start: 30_000 });
    expect(c.getRetries).toBe(3);
    expect(c.versionCacheTtl).toBe(30_000);
  });

  it("normalises the fingerprint to PVE's upper-case form", () => {
    const fp = Array.from({ length: 32 }, (_, i) => i.toString(16).padStart(2, "0")).join(":");
    expect(
      proxmoxConfigSchema.parse({ ...base, url: "https://pve1", tlsFingerprint: fp }).tlsFingerprint,
    ).toBe(fp.toUpperCase());
  });

  it.each([
    [{ url: "ftp://pve1" }, "url", /https:\/\//],
    [{ url: "https://root:pw@pve1" }, "url", /no credentials/],
    [{ url: "https://pve1:8006/api2/json" }, "url", /only scheme, host and port/],
    [{ url: "pve1:8006" }, "url", /https:\/\//],
    [{ url: "https://pve1", tokenId: "chatops!bot" }, "tokenId", /USER@REALM!TOKENNAME/],
    [{ url: "https://pve1", tokenSecret: "hunter2" }, "tokenSecret", /UUID/],
    [{ url: "https://pve1", tlsFingerprint: "AA:BB" }, "tlsFingerprint", /32 colon-separated/],
    [{ url: "https://pve1", timeouts: { request: "soon" } }, "timeouts", /duration/],
    [{ url: "https://pve1", ["reject" + "Unauthorized"]: false }, "", /unrecognized|Unrecognized/],
  ])("refuses %j with a message about %s", (override, key, message) => {
    const r = proxmoxConfigSchema.safeParse({ ...base, ...override });
    expect(r.success).toBe(false);
    const issue = r.error!.issues[0]!;
    if (key) expect(String(issue.path[0])).toBe(key);
    expect(issue.message).toMatch(message);
  });

  it("warns once when the URL is plain http", () => {
    const { log, client } = makeClient("http://127.0.0.1:1");
    expect(log.lines.filter((l) => l.level === "warn")).toHaveLength(1);
    expect(log.lines[0]!.msg).toMatch(/plain http/);
    client.close();
  });
});

describe("version gate", () => {
  const fakePort = (versions: PveVersion[]) => {
    let calls = 0;
    const port = {
      endpoint: "https://pve1:8006",
      version: async () => versions[Math.min(calls++, versions.length - 1)]!,
    } as unknown as Proxmox;
    return { port, calls: () => calls };
  };

  it.each([
    ["8.4.1", "8.4", true],
    ["9.1.5", "9.1", true],
    ["10.0.1", "10.0", true],
    ["8.3.5", "8.3", false],
    ["7.4-17", "7.4", false],
  ])("PVE %s supported: %s", (version, release, ok) => {
    expect(isSupported({ version, release, repoid: "x" })).toBe(ok);
  });

  it("refuses an old PVE naming the version found, and caches answers for the TTL", async () => {
    const clock = new ManualClock();
    const { port, calls } = fakePort([
      { version: "8.2.4", release: "8.2", repoid: "a" },
      { version: "9.1.5", release: "9.1", repoid: "b" },
    ]);
    const gate = createVersionGate(port, clock, 30_000);
    const first = await gate.readiness();
    expect(first).toEqual({
      ok: false,
      detail: "Proxmox VE 8.2.4 found at https://pve1:8006; this bot needs 8.4 or newer. Upgrade the node.",
    });
    await expect(gate.require()).rejects.toMatchObject({ code: "E_PVE" });
    expect(calls()).toBe(1);
    clock.t += 5_000;
    expect(await gate.readiness()).toEqual({ ok: true, detail: "Proxmox VE 9.1.5 at https://pve1:8006" });
    clock.t += 29_000;
    await gate.readiness();
    expect(calls()).toBe(2);
    clock.t += 1_000;
    await gate.readiness();
    expect(calls()).toBe(3);
  });
});
