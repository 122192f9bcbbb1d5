import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PveSimulator, startPveSimulator } from "../../src/sim/pve/index.js";
import { call, documentedAuth, tokenAuth } from "./client.js";

/** Runs a pveum script and returns the Authorization value of the token it created. */
function pveumToken(sim: PveSimulator, script: string, tokenId: string): string {
  const created = sim.pveum(script).tokens.find((t) => t.tokenId === tokenId);
  if (!created) throw new Error(`the script created no token ${tokenId}`);
  return tokenAuth(created.tokenId, created.secret);
}

describe("ACL evaluation as pve-access-control does it (PVE 9.1)", () => {
  let sim: PveSimulator;
  let bot: string;
  beforeAll(async () => {
    sim = await startPveSimulator({ tls: false, defaultTaskDurationMs: 10 });
    bot = documentedAuth(sim);
  });
  afterAll(() => sim.close());

  it("grants through the pool and refuses outside it with the exact path and privilege", async () => {
    const inPool = await call(sim, "GET", "/nodes/pve2/qemu/102/config", {}, { auth: bot });
    expect(inPool.status).toBe(200);
    const outside = await call(sim, "GET", "/nodes/pve1/qemu/100/config", {}, { auth: bot });
    expect([outside.status, outside.statusText]).toEqual([
      403,
      "Permission check failed (/vms/100, VM.Audit)",
    ]);
    // Out of scope answers 403, never "does not exist": the caller learns nothing about VMs it cannot see.
    const status = await call(sim, "GET", "/nodes/pve1/qemu/100/status/current", {}, { auth: bot });
    expect(status.statusText).toBe("Permission check failed (/vms/100, VM.Audit)");
    const missing = await call(sim, "GET", "/nodes/pve1/qemu/777/status/current", {}, { auth: bot });
    expect(missing.statusText).toBe("Permission check failed (/vms/777, VM.Audit)");
    const listed = await call(sim, "GET", "/cluster/resources", { type: "vm" }, { auth: bot });
    expect(listed.json.data.map((r: { vmid: number }) => r.vmid).sort()).toEqual([102, 103, 9000, 9001]);
    const exec = await call(
      sim,
      "POST",
      "/nodes/pve3/qemu/103/agent/exec",
      { command: ["true"] },
      { auth: bot },
    );
    expect(exec.status).toBe(200);
    const prod = await call(sim, "POST", "/nodes/pve1/qemu/100/agent/ping", {}, { auth: bot });
    expect(prod.statusText).toBe(
      "Permission check failed (/vms/100, VM.GuestAgent.Audit|VM.GuestAgent.Unrestricted)",
    );
  });

  it("intersects a privilege-separated token with its user, and a token without privsep is its user", async () => {
    const setup = `pveum user add half@pve
pveum user token add half@pve sep --privsep 1
pveum user token add half@pve full --privsep 0
pveum role add Look --privs VM.Audit
pveum role add Power --privs "VM.Audit VM.PowerMgmt"
pveum acl modify /vms --users half@pve --roles Look
pveum acl modify /vms --tokens 'half@pve!sep' --roles Power
pveum acl modify /pool/prod --tokens 'half@pve!full' --roles Power
`;
    const created = sim.pveum(setup).tokens;
    const sep = tokenAuth(created[0]!.tokenId, created[0]!.secret);
    const full = tokenAuth(created[1]!.tokenId, created[1]!.secret);
    expect((await call(sim, "GET", "/nodes/pve1/qemu/100/config", {}, { auth: sep })).status).toBe(200);
    const start = await call(sim, "POST", "/nodes/pve1/qemu/100/status/stop", {}, { auth: sep });
    expect(start.statusText).toBe("Permission check failed (/vms/100, VM.PowerMgmt)");
    // privsep 0: the token's own ACL entries are ignored, the user's apply.
    const viaUser = await call(sim, "POST", "/nodes/pve1/qemu/100/status/stop", {}, { auth: full });
    expect(viaUser.statusText).toBe("Permission check failed (/vms/100, VM.PowerMgmt)");
    expect((await call(sim, "GET", "/nodes/pve2/qemu/104/config", {}, { auth: full })).status).toBe(200);
  });

  it("lets deeper ACLs replace inherited roles, honours propagate 0, NoAccess and pool membership", async () => {
    const auth = pveumToken(
      sim,
      `pveum user add deep@pve
pveum user token add deep@pve tk --privsep 0
pveum role add DeepLook --privs VM.Audit
pveum acl modify / --users deep@pve --roles PVEAuditor
pveum acl modify /vms/101 --users deep@pve --roles NoAccess
pveum acl modify /pool/chatops --users deep@pve --roles PVEVMAdmin
pveum acl modify /nodes --users deep@pve --roles DeepLook --propagate 0
`,
      "deep@pve!tk",
    );
    expect((await call(sim, "GET", "/nodes/pve1/qemu/100/config", {}, { auth })).status).toBe(200);
    const denied = await call(sim, "GET", "/nodes/pve1/qemu/101/config", {}, { auth });
    expect(denied.statusText).toBe("Permission check failed (/vms/101, VM.Audit)");
    const poolAdmin = await call(sim, "POST", "/nodes/pve2/qemu/102/status/start", {}, { auth });
    expect(poolAdmin.status).toBe(200);
    const notInPool = await call(sim, "POST", "/nodes/pve2/qemu/104/status/start", {}, { auth });
    expect(notInPool.statusText).toBe("Permission check failed (/vms/104, VM.PowerMgmt)");
    const perms = await call(sim, "GET", "/access/permissions", { path: "/nodes/pve1" }, { auth });
    expect(perms.json.data["/nodes/pve1"]["Sys.Audit"]).toBe(1);
  });

  it("checks download-url's and/or expression", async () => {
    const images = pveumToken(
      sim,
      `pveum user add images@pve
pveum user token add images@pve dl --privsep 0
pveum acl modify /storage/local --users images@pve --roles PVEDatastoreAdmin
`,
      "images@pve!dl",
    );
    const dl = await call(
      sim,
      "POST",
      "/nodes/pve2/storage/local/download-url",
      { url: "https://example.com/x.qcow2", filename: "x.qcow2", content: "import" },
      { auth: images },
    );
    expect([dl.status, dl.statusText]).toEqual([403, "Permission check failed"]);
  });

  it("lets a token see only its own tasks unless it has Sys.Audit on the node", async () => {
    const viewer = pveumToken(
      sim,
      `pveum user add viewer@pve
pveum user token add viewer@pve ro --privsep 0
pveum acl modify /pool/chatops --users viewer@pve --roles PVEVMUser
`,
      "viewer@pve!ro",
    );
    const mine = await call(sim, "POST", "/nodes/pve2/qemu/102/status/start", {}, { auth: viewer });
    const status = await call(sim, "GET", `/nodes/pve2/tasks/${mine.json.data}/status`, {}, { auth: viewer });
    expect(status.json.data).toMatchObject({ user: "viewer@pve", tokenid: "ro", type: "qmstart", id: "102" });
    const admins = await call(sim, "POST", "/nodes/pve2/qemu/104/status/stop");
    const foreign = await call(
      sim,
      "GET",
      `/nodes/pve2/tasks/${admins.json.data}/status`,
      {},
      { auth: viewer },
    );
    expect(foreign.statusText).toBe("Permission check failed (/nodes/pve2, Sys.Audit)");
    const seen = await call(sim, "GET", `/nodes/pve2/tasks/${admins.json.data}/status`, {}, { auth: bot });
    expect(seen.status).toBe(200);
    const bogus = await call(sim, "GET", "/nodes/pve2/tasks/UPID:nope/status", {}, { auth: viewer });
    expect(bogus.json.errors).toEqual({ upid: "unable to parse worker upid" });
  });

  it("dumps its own effective permissions and needs Sys.Audit on /access for others", async () => {
    const perms = await call(sim, "GET", "/access/permissions", {}, { auth: bot });
    expect(perms.json.data["/storage/local"]).toEqual({
      "Datastore.AllocateTemplate": 1,
      "Datastore.Audit": 1,
    });
    // Pool rights show on member VMs, never propagating.
    expect(perms.json.data["/vms/102"]["VM.Allocate"]).toBe(0);
    expect(perms.json.data["/vms/100"]).toBeUndefined();
    const other = await call(sim, "GET", "/access/permissions", { userid: "root@pam" }, { auth: bot });
    expect(other.statusText).toBe("Permission check failed (/access, Sys.Audit)");
  });

  it("supports ticket login with CSRF protection for writes", async () => {
    sim.addUser({ userid: "ops@pve", password: "correct horse", acl: [{ path: "/", privs: ["VM.Audit"] }] });
    const bad = await call(
      sim,
      "POST",
      "/access/ticket",
      { username: "ops@pve", password: "wrong" },
      { auth: null },
    );
    expect([bad.status, bad.text]).toEqual([401, ""]);
    const login = await call(
      sim,
      "POST",
      "/access/ticket",
      { username: "ops", realm: "pve", password: "correct horse" },
      { auth: null },
    );
    const { ticket, CSRFPreventionToken } = login.json.data;
    expect(ticket).toMatch(/^PVE:ops@pve:[0-9A-F]{8}::/);
    const read = await call(
      sim,
      "GET",
      "/nodes/pve1/qemu/100/config",
      {},
      { auth: null, headers: { Cookie: `PVEAuthCookie=${encodeURIComponent(ticket)}` } },
    );
    expect(read.status).toBe(200);
    const noCsrf = await call(
      sim,
      "PUT",
      "/nodes/pve1/qemu/100/config",
      { cores: 2 },
      { auth: null, headers: { Cookie: `PVEAuthCookie=${ticket}` } },
    );
    expect([noCsrf.status, noCsrf.statusText]).toEqual([401, "Permission denied - invalid csrf token"]);
    const write = await call(
      sim,
      "PUT",
      "/nodes/pve1/qemu/100/config",
      { cores: 2 },
      { auth: null, headers: { Cookie: `PVEAuthCookie=${ticket}`, CSRFPreventionToken } },
    );
    expect(write.statusText).toBe(
      "Permission check failed (/vms/100, VM.Config.Disk|VM.Config.CDROM|VM.Config.CPU|VM.Config.Memory|VM.Config.Network|VM.Config.HWType|VM.Config.Options|VM.Config.Cloudinit)",
    );
    expect(() => sim.addToken({ tokenId: "x@pve!tk", acl: [{ path: "/", privs: ["VM.Monitor"] }] })).toThrow(
      "invalid privilege 'VM.Monitor'",
    );
  });
});

describe("PVE 8.4 mode", () => {
  let sim: PveSimulator;
  beforeAll(async () => {
    sim = await startPveSimulator({ tls: false, pveVersion: "8.4" });
  });
  afterAll(() => sim.close());

  it("uses VM.Monitor for the agent, 8.4's version and 401 wording", async () => {
    const t = sim.addToken({ tokenId: "viewer@pve!ro", acl: [{ path: "/vms", privs: ["VM.Audit"] }] });
    const ping = await call(
      sim,
      "POST",
      "/nodes/pve1/qemu/100/agent/ping",
      {},
      { auth: tokenAuth(t.tokenId, t.secret) },
    );
    expect(ping.statusText).toBe("Permission check failed (/vms/100, VM.Monitor)");
    const version = await call(sim, "GET", "/version");
    expect(version.json.data).toMatchObject({ release: "8.4", version: "8.4.14" });
    const wrong = await call(
      sim,
      "GET",
      "/version",
      {},
      { auth: tokenAuth(t.tokenId, "00000000-0000-0000-0000-000000000000") },
    );
    expect(wrong.statusText).toBe("invalid token value!");
    expect(() =>
      sim.addToken({ tokenId: "y@pve!tk", acl: [{ path: "/", privs: ["VM.GuestAgent.Audit"] }] }),
    ).toThrow("invalid privilege 'VM.GuestAgent.Audit'");
    expect(
      sim.validate("POST", "/nodes/pve1/storage/local/download-url", {
        url: "https://e.x/a.qcow2",
        filename: "a.qcow2",
        content: "import",
      }),
    ).toEqual({ ok: true });
  });
});
