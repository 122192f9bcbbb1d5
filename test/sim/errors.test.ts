import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PveSimulator, startPveSimulator } from "../../src/sim/pve/index.js";
import { call } from "./client.js";

const JSON_TYPE = "application/json;charset=UTF-8";

describe("PVE error shapes", () => {
  let sim: PveSimulator;
  beforeAll(async () => {
    sim = await startPveSimulator({ tls: false });
  });
  afterAll(() => sim.close());

  it("answers 400 Parameter verification failed. with every bad parameter in the errors map", async () => {
    const res = await call(sim, "POST", "/nodes/pve1/qemu", {
      vmid: 99,
      name: "bad_name",
      sshkeys: "ssh-ed25519 AAAA x@y",
      bogus: 1,
      cores: "two",
    });
    expect(res.status).toBe(400);
    expect(res.statusText).toBe("Parameter verification failed.");
    expect(res.headers["content-type"]).toBe(JSON_TYPE);
    expect(res.json).toEqual({
      data: null,
      message: "Parameter verification failed.\n",
      errors: {
        vmid: "invalid format - value does not look like a valid VM ID\n",
        name: "invalid format - value does not look like a valid DNS name\n",
        sshkeys: "invalid format - invalid urlencoded string: ssh-ed25519 AAAA x@y\n",
        bogus: "property is not defined in schema and the schema does not allow additional properties",
        cores: "type check ('integer') failed - got 'two'",
      },
    });
  });

  it("reports missing required parameters, enum misses, requires and property-string errors", async () => {
    const res = await call(sim, "POST", "/nodes/pve1/storage/local/download-url", {
      content: "rootdir",
      filename: "x.qcow2",
      checksum: "abc",
    });
    expect(res.status).toBe(400);
    expect(res.json.errors).toEqual({
      url: "property is missing and it is not optional",
      content: "value 'rootdir' does not have a value in the enumeration 'iso, vztmpl, import'",
      "checksum-algorithm": "missing property - 'checksum' requires this property",
    });
    const disk = await call(sim, "POST", "/nodes/pve1/qemu", {
      vmid: 555,
      net0: "virtio,bridge=vmbr0,speed=9",
      scsi1: "local-lvm:4,cache=fast",
    });
    expect(disk.json.errors.net0).toBe(
      "invalid format - invalid key in comma-separated list property: speed\n",
    );
    expect(disk.json.errors.scsi1).toMatch(
      /^invalid format - format error\nscsi1\.cache: value 'fast' does not have a value/,
    );
    const snap = await call(sim, "POST", "/nodes/pve1/qemu/100/snapshot", { snapname: "pre.update" });
    expect(snap.json.errors).toEqual({
      snapname: "invalid format - invalid configuration ID 'pre.update'\n",
    });
  });

  it("answers 401 with an empty body and no Content-Type, for missing and wrong tokens", async () => {
    const none = await call(sim, "GET", "/version", {}, { auth: null });
    expect([none.status, none.statusText, none.text, none.headers["content-type"]]).toEqual([
      401,
      "No ticket",
      "",
      undefined,
    ]);
    const wrong = await call(
      sim,
      "GET",
      "/version",
      {},
      { auth: `PVEAPIToken=${sim.tokenId}=00000000-0000-0000-0000-000000000000` },
    );
    expect([wrong.status, wrong.statusText, wrong.text]).toEqual([401, "Authentication failed!", ""]);
    const unknown = await call(sim, "GET", "/version", {}, { auth: "PVEAPIToken=nobody@pve!x=abc" });
    expect(unknown.status).toBe(401);
  });

  it("answers 403 Permission check failed (path, priv) as status line and JSON", async () => {
    const t = sim.addToken({
      tokenId: "audit@pve!ro",
      acl: [{ path: "/", privs: ["VM.Audit"], propagate: true }],
    });
    const res = await call(
      sim,
      "POST",
      "/nodes/pve1/qemu/100/snapshot",
      { snapname: "x1" },
      { auth: `PVEAPIToken=${t.tokenId}=${t.secret}` },
    );
    expect(res.status).toBe(403);
    expect(res.statusText).toBe("Permission check failed (/vms/100, VM.Snapshot)");
    expect(res.json).toEqual({ data: null, message: "Permission check failed (/vms/100, VM.Snapshot)\n" });
  });

  it("answers 501 for unknown paths, and for GET with a body", async () => {
    const res = await call(sim, "GET", "/nodes/pve1/frobnicate");
    expect([res.status, res.statusText]).toEqual([
      501,
      "Method 'GET /nodes/pve1/frobnicate' not implemented",
    ]);
    expect(res.headers["content-type"]).toBe(JSON_TYPE);
    const withBody = await call(sim, "GET", "/version", {}, { rawBody: "a=1" });
    expect([withBody.status, withBody.statusText]).toEqual([501, "Unexpected content for method 'GET'"]);
  });

  it("answers 500 with the handler message for missing VMs, existing VMIDs and locks", async () => {
    const missing = await call(sim, "GET", "/nodes/pve1/qemu/999/config");
    expect([missing.status, missing.json.message]).toEqual([
      500,
      "Configuration file 'nodes/pve1/qemu-server/999.conf' does not exist\n",
    ]);
    const otherNode = await call(sim, "GET", "/nodes/pve2/qemu/100/config");
    expect(otherNode.statusText).toBe("Configuration file 'nodes/pve2/qemu-server/100.conf' does not exist");
    const exists = await call(sim, "POST", "/nodes/pve1/qemu", { vmid: 9000 });
    expect(exists.json.message).toBe("unable to create VM 9000 - VM 9000 already exists on node 'pve1'\n");
    sim.state.vms.get(102)!.config["lock"] = "backup";
    const locked = await call(sim, "PUT", "/nodes/pve2/qemu/102/config", { cores: 4 });
    delete sim.state.vms.get(102)!.config["lock"];
    expect([locked.status, locked.statusText]).toEqual([500, "VM is locked (backup)"]);
    const nextid = await call(sim, "GET", "/cluster/nextid", { vmid: 100 });
    expect([nextid.status, nextid.json.errors]).toEqual([400, { vmid: "VM 100 already exists" }]);
  });

  it("parses JSON bodies, merges query over body, and refuses conflicting path parameters", async () => {
    const json = await call(
      sim,
      "PUT",
      "/nodes/pve2/qemu/102/config",
      {},
      {
        rawBody: JSON.stringify({ cores: 3, onboot: true }),
        contentType: "application/json",
      },
    );
    expect(json.status).toBe(200);
    expect(sim.state.vms.get(102)!.config).toMatchObject({ cores: 3, onboot: 1 });
    const conflict = await call(sim, "PUT", "/nodes/pve2/qemu/102/config", { vmid: 103, cores: 2 });
    expect(conflict.json.errors).toEqual({
      vmid: "duplicate parameter (already defined in URI) with conflicting values!",
    });
  });

  it("survives malformed input and keeps serving", async () => {
    const bodies: Array<[string | Buffer, string]> = [
      ["{not json", "application/json"],
      ["[1,2,3]", "application/json"],
      ["%E0%A4%A=1&%%%=&&=x", "application/x-www-form-urlencoded"],
      [Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80]), "application/octet-stream"],
      ["cores=1&cores=2&cores=3", "application/x-www-form-urlencoded"],
      ["x".repeat(2 * 1024 * 1024), "application/x-www-form-urlencoded"],
    ];
    for (const [rawBody, contentType] of bodies) {
      const res = await call(sim, "PUT", "/nodes/pve2/qemu/102/config", {}, { rawBody, contentType });
      expect(res.status, String(contentType)).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.headers["content-type"]).toBe(JSON_TYPE);
    }
    const weirdPath = await call(sim, "GET", "/nodes/%E0%A4%A/qemu");
    expect(weirdPath.status).toBe(400);
    const garbage = await new Promise<string>((resolve) => {
      const req = request(`${sim.url}/api2/json/version`, {
        method: "GET",
        headers: { "Content-Length": "abc" },
      });
      req.on("response", (r) => resolve(String(r.statusCode)));
      req.on("error", (e) => resolve(e.message));
      req.end();
    });
    expect(garbage).toBeTruthy();
    const after = await call(sim, "GET", "/version");
    expect(after.json.data.release).toBe("9.1");
  });
});
