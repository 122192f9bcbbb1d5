import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PveSimulator, startPveSimulator } from "../../src/sim/pve/index.js";
import { call, tokenAuth, waitTask } from "./client.js";

const VM_PRIVS = [
  "VM.Audit",
  "VM.Allocate",
  "VM.Clone",
  "VM.Config.Disk",
  "VM.Config.CDROM",
  "VM.Config.CPU",
  "VM.Config.Memory",
  "VM.Config.Network",
  "VM.Config.HWType",
  "VM.Config.Options",
  "VM.Config.Cloudinit",
  "VM.PowerMgmt",
  "VM.Snapshot",
  "VM.GuestAgent.Audit",
];

describe("token privileges on ACL paths (PVE 9.1)", () => {
  let sim: PveSimulator;
  let bot: string;
  beforeAll(async () => {
    sim = await startPveSimulator({ tls: false, defaultTaskDurationMs: 10 });
    const t = sim.addToken({
      tokenId: "chatops@pve!bot",
      acl: [
        { path: "/pool/chatops", privs: VM_PRIVS, propagate: true },
        { path: "/storage/local-lvm", privs: ["Datastore.AllocateSpace", "Datastore.Audit"] },
        { path: "/storage/local", privs: ["Datastore.AllocateTemplate", "Datastore.Audit"] },
        { path: "/nodes/pve1", privs: ["Sys.AccessNetwork", "Sys.Audit"] },
        { path: "/sdn/zones/localnetwork/vmbr0", privs: ["SDN.Use"] },
      ],
    });
    bot = tokenAuth(t.tokenId, t.secret);
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
    const listed = await call(sim, "GET", "/cluster/resources", { type: "vm" }, { auth: bot });
    expect(listed.json.data.map((r: { vmid: number }) => r.vmid).sort()).toEqual([102, 103, 9000, 9001]);
    const exec = await call(
      sim,
      "POST",
      "/nodes/pve3/qemu/103/agent/exec",
      { command: ["true"] },
      { auth: bot },
    );
    expect(exec.statusText).toBe("Permission check failed (/vms/103, VM.GuestAgent.Unrestricted)");
    const ping = await call(sim, "POST", "/nodes/pve3/qemu/103/agent/ping", {}, { auth: bot });
    expect(ping.status).toBe(200);
  });

  it("checks download-url's and/or expression and per-option privileges on create", async () => {
    const dl = await call(
      sim,
      "POST",
      "/nodes/pve2/storage/local/download-url",
      { url: "https://example.com/x.qcow2", filename: "x.qcow2", content: "import" },
      { auth: bot },
    );
    expect([dl.status, dl.statusText]).toEqual([403, "Permission check failed"]);
    const noPool = await call(sim, "POST", "/nodes/pve1/qemu", { vmid: 7000, cores: 1 }, { auth: bot });
    expect(noPool.statusText).toBe("Permission check failed (/vms/7000, VM.Allocate)");
    const withPool = await call(
      sim,
      "POST",
      "/nodes/pve1/qemu",
      { vmid: 7000, cores: 1, pool: "chatops", net0: "virtio,bridge=vmbr1" },
      { auth: bot },
    );
    expect(withPool.statusText).toBe("Permission check failed (/sdn/zones/localnetwork/vmbr1, SDN.Use)");
    const disk = await call(
      sim,
      "POST",
      "/nodes/pve1/qemu",
      { vmid: 7000, pool: "chatops", scsi0: "nfs-shared:4" },
      { auth: bot },
    );
    expect(disk.statusText).toBe("Permission check failed (/storage/nfs-shared, Datastore.AllocateSpace)");
    const ok = await call(
      sim,
      "POST",
      "/nodes/pve1/qemu",
      { vmid: 7000, pool: "chatops", scsi0: "local-lvm:4", net0: "virtio,bridge=vmbr0", cores: 1 },
      { auth: bot },
    );
    expect(ok.status).toBe(200);
    expect((await waitTask(sim, ok.json.data)).exitstatus).toBe("OK");
    expect(ok.json.data).toMatch(/:qmcreate:7000:chatops@pve!bot:$/);
  });

  it("lets a token see only its own tasks unless it has Sys.Audit on the node", async () => {
    const mine = await call(sim, "POST", "/nodes/pve2/qemu/102/status/start", {}, { auth: bot });
    const status = await call(sim, "GET", `/nodes/pve2/tasks/${mine.json.data}/status`, {}, { auth: bot });
    expect(status.json.data).toMatchObject({
      user: "chatops@pve",
      tokenid: "bot",
      type: "qmstart",
      id: "102",
    });
    const admins = await call(sim, "POST", "/nodes/pve2/qemu/104/status/stop");
    const foreign = await call(sim, "GET", `/nodes/pve2/tasks/${admins.json.data}/status`, {}, { auth: bot });
    expect(foreign.statusText).toBe("Permission check failed (/nodes/pve2, Sys.Audit)");
    const bogus = await call(sim, "GET", "/nodes/pve2/tasks/UPID:nope/status", {}, { auth: bot });
    expect(bogus.json.errors).toEqual({ upid: "unable to parse worker upid" });
  });

  it("dumps its own effective permissions and needs Sys.Audit on /access for others", async () => {
    const perms = await call(sim, "GET", "/access/permissions", {}, { auth: bot });
    expect(perms.json.data["/storage/local"]).toEqual({
      "Datastore.AllocateTemplate": 1,
      "Datastore.Audit": 1,
    });
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
      "invalid privilege 'VM.Monitor' (PVE 9.1)",
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
    const t = sim.addToken({ tokenId: "chatops@pve!bot", acl: [{ path: "/vms", privs: ["VM.Audit"] }] });
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
    ).toThrow("invalid privilege 'VM.GuestAgent.Audit' (PVE 8.4)");
    expect(
      sim.validate("POST", "/nodes/pve1/storage/local/download-url", {
        url: "https://e.x/a.qcow2",
        filename: "a.qcow2",
        content: "import",
      }),
    ).toEqual({ ok: true });
  });
});
