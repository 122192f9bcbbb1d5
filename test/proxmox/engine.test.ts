import { afterEach, describe, expect, it } from "vitest";
import { checkPath } from "../../src/adapters/proxmox/engine.js";
import type { ProxmoxError } from "../../src/services/proxmox.js";
import { makeClient, TOKEN_ID, TOKEN_SECRET } from "./helpers/client.js";
import { type FakeHandler, type FakePve, startFakePve } from "./helpers/fake-pve.js";
import { useOfficialSchema } from "./helpers/schema.js";

const schema = useOfficialSchema();
let server: FakePve | undefined;
afterEach(async () => {
  // Every request the client sent must pass PVE's official schema.
  expect(server?.refused ?? []).toEqual([]);
  await server?.close();
  server = undefined;
});

async function serve(handler: FakeHandler) {
  server = await startFakePve(handler, undefined, schema);
  return server;
}

async function rejection(p: Promise<unknown>): Promise<ProxmoxError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  return err as ProxmoxError;
}

describe("path parameters are validated before any request", () => {
  const bad = ["..", "x?purge=1", "a#b", "a/b", "", "snap shot", "%2e%2e"];

  it.each(bad)("snapshot name %j is refused with E_ARGS and nothing is sent", async (name) => {
    const s = await serve(() => ({ data: "UPID:pve:00000001:00000001:00000001:qmdestroy:100:x@pve:" }));
    const { client } = makeClient(s.url);
    const err = await rejection(client.deleteSnapshot("pve", 100, name));
    expect(err.code).toBe("E_ARGS");
    expect(err.message).toMatch(/invalid snapshot name/);
    await expect(client.rollbackSnapshot("pve", 100, name)).rejects.toMatchObject({ code: "E_ARGS" });
    expect(s.requests).toHaveLength(0);
  });

  it.each(bad)("node %j is refused with E_ARGS and nothing is sent", async (node) => {
    const s = await serve(() => ({ data: {} }));
    const { client } = makeClient(s.url);
    await expect(client.nodeStatus(node)).rejects.toMatchObject({ code: "E_ARGS" });
    await expect(client.vmConfig(node, 100)).rejects.toMatchObject({ code: "E_ARGS" });
    await expect(client.listStorage(node)).rejects.toMatchObject({ code: "E_ARGS" });
    expect(s.requests).toHaveLength(0);
  });

  it.each(bad)("storage %j is refused with E_ARGS and nothing is sent", async (storage) => {
    const s = await serve(() => ({ data: [] }));
    const { client } = makeClient(s.url);
    await expect(client.storageContent("pve", storage)).rejects.toMatchObject({ code: "E_ARGS" });
    await expect(client.storageStatus("pve", storage)).rejects.toMatchObject({ code: "E_ARGS" });
    expect(s.requests).toHaveLength(0);
  });

  it.each([99, 1_000_000_000, 100.5, Number.NaN, -100])("vmid %s is refused", async (vmid) => {
    const s = await serve(() => ({ data: {} }));
    const { client } = makeClient(s.url);
    await expect(client.vmStatus("pve", vmid)).rejects.toMatchObject({ code: "E_ARGS" });
    await expect(client.destroyVm("pve", vmid)).rejects.toMatchObject({ code: "E_ARGS" });
    expect(s.requests).toHaveLength(0);
  });

  it.each([
    "UPID:pve:00000001:00000001:00000001:qmclone:100:x@pve:/../../qemu/100",
    "UPID:pve:00000001:00000001:00000001:qmclone:100:x@pve?purge=1:",
    "UPID:pve:00000001:00000001:00000001:qmclone:100:x@pve#:",
    "UPID:../x:00000001:00000001:00000001:qmclone:100:x@pve:",
    "not-a-upid",
  ])("UPID %j is refused", async (upid) => {
    const s = await serve(() => ({ data: {} }));
    const { client } = makeClient(s.url);
    await expect(client.taskStatus(upid)).rejects.toMatchObject({ code: "E_ARGS" });
    await expect(client.waitForTask(upid)).rejects.toMatchObject({ code: "E_ARGS" });
    expect(s.requests).toHaveLength(0);
  });

  it("the engine itself refuses dot segments and URL syntax even if a caller skipped validation", () => {
    expect(() => checkPath("/api2/json/nodes/pve/qemu/100/snapshot/..")).toThrow(/unsafe path segment/);
    expect(() => checkPath("/api2/json/nodes/pve?x=1")).toThrow(/unsafe/);
    expect(() => checkPath("/api2/json/nodes/a#b")).toThrow(/unsafe/);
    expect(() => checkPath("/api2/json/nodes//x")).toThrow(/unsafe/);
    expect(() => checkPath("/other/nodes")).toThrow(/outside/);
    expect(() =>
      checkPath(
        "/api2/json/nodes/pve/tasks/UPID:pve:0000000A:0000000B:6817C0DE:qmclone:9000:a@pve!bot:/status",
      ),
    ).not.toThrow();
  });
});

describe("wire format", () => {
  it("sends the API token header, form bodies for POST and query strings for GET", async () => {
    const s = await serve((r) =>
      r.method === "POST"
        ? { data: "UPID:pve:00000001:00000002:00000003:qmsnapshot:100:chatops@pve!bot:" }
        : { data: [] },
    );
    const { client } = makeClient(s.url);
    await client.createSnapshot("pve", 100, {
      name: "pre-update",
      description: "before apt upgrade",
      vmstate: false,
    });
    await client.storageContent("pve", "local", { content: "import" });
    const [post, get] = s.requests;
    expect(post?.headers.authorization).toBe(`PVEAPIToken=${TOKEN_ID}=${TOKEN_SECRET}`);
    expect(post?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(post?.path).toBe("/api2/json/nodes/pve/qemu/100/snapshot");
    expect(new URLSearchParams(post?.body).get("snapname")).toBe("pre-update");
    expect(new URLSearchParams(post?.body).get("vmstate")).toBe("0");
    expect(post?.body).toContain("description=before+apt+upgrade");
    expect(get?.path).toBe("/api2/json/nodes/pve/storage/local/content");
    expect(get?.query.get("content")).toBe("import");
    expect(get?.body).toBe("");
  });

  it("encodes sshkeys once for PVE's urlencoded format, and arrays as repeated keys", async () => {
    const s = await serve((r) =>
      r.path.endsWith("/exec")
        ? { data: { pid: 42 } }
        : { data: "UPID:pve:00000001:00000002:00000003:qmcreate:9000:a@pve:" },
    );
    const { client } = makeClient(s.url);
    const keys = "ssh-ed25519 AAAAC3Nz+/x= ops@example\nssh-rsa AAAAB3 second@host\n";
    await client.createVm("pve", {
      vmid: 9000,
      name: "tpl-noble",
      memoryMiB: 2048,
      tags: ["a", "b"],
      sshKeys: keys,
    });
    const body = s.requests[0]!.body;
    expect(body).toContain(
      "sshkeys=ssh-ed25519%2520AAAAC3Nz%252B%252Fx%253D%2520ops%2540example%250Assh-rsa",
    );
    const form = new URLSearchParams(body);
    expect(form.get("sshkeys")).toMatch(/^[-%a-zA-Z0-9_.!~*'()]*$/);
    expect(decodeURIComponent(form.get("sshkeys")!)).toBe(keys);
    expect(form.get("tags")).toBe("a;b");
    expect(form.get("memory")).toBe("2048");
    expect(await client.agentExec("pve", 9000, ["/bin/sh", "-c", "uptime"])).toBe(42);
    expect(new URLSearchParams(s.requests[1]!.body).getAll("command")).toEqual(["/bin/sh", "-c", "uptime"]);
  });
});

describe("retries and timeouts", () => {
  it("a POST that times out is sent exactly once", async () => {
    const s = await serve((r) => (r.method === "POST" ? { hang: true } : { data: null }));
    const { client } = makeClient(s.url, { timeouts: { request: "300ms" } });
    const err = await rejection(client.cloneVm("pve", 9000, { newid: 9100, name: "web1" }));
    expect(err.code).toBe("E_PVE_UNREACHABLE");
    expect(err.message).toMatch(/did not answer when asked to clone VM 9000 on pve to 9100/);
    expect(err.message).toMatch(/no complete answer within 300 ms/);
    await new Promise((r) => setTimeout(r, 100));
    expect(s.count("POST")).toBe(1);
  });

  it("the timeout covers the body too, not only the headers", async () => {
    const s = await serve(() => ({ stallAfterHeaders: true }));
    const { client } = makeClient(s.url, { timeouts: { request: "200ms" }, getRetries: 0 });
    const started = Date.now();
    await expect(client.clusterResources()).rejects.toMatchObject({ code: "E_PVE_UNREACHABLE" });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("a DELETE that fails with 503 is not retried", async () => {
    const s = await serve(() => ({ status: 503, message: "Service Unavailable" }));
    const { client } = makeClient(s.url);
    await expect(client.destroyVm("pve", 100)).rejects.toMatchObject({ code: "E_PVE", transient: true });
    expect(s.count("DELETE")).toBe(1);
  });

  it("a GET is retried with backoff on 5xx and then succeeds", async () => {
    let calls = 0;
    const s = await serve(() =>
      ++calls < 3 ? { status: 503, message: "proxy loop" } : { data: [{ node: "pve", status: "online" }] },
    );
    const { client, sleeps } = makeClient(s.url);
    expect(await client.nodes()).toEqual([{ node: "pve", status: "online" }]);
    expect(s.count("GET")).toBe(3);
    expect(sleeps).toEqual([10, 20]);
  });

  it("a GET that times out is retried, then reported as unreachable", async () => {
    // Over plain http retries start once the server has answered (see insecure-http.test.ts).
    const s = await serve((r) =>
      r.path.endsWith("/version")
        ? { data: { version: "9.1.5", release: "9.1", repoid: "x" } }
        : { hang: true },
    );
    const { client } = makeClient(s.url, { timeouts: { request: "150ms" }, getRetries: 1 });
    await client.version();
    await expect(client.nodes()).rejects.toMatchObject({ code: "E_PVE_UNREACHABLE", transient: true });
    expect(s.count("GET", "/api2/json/nodes")).toBe(2);
  });

  it("501 (unknown endpoint) is not retried", async () => {
    const s = await serve(() => ({ status: 501, message: "Method 'GET /nodes/pve/status' not implemented" }));
    const { client } = makeClient(s.url);
    const err = await rejection(client.nodeStatus("pve"));
    expect(err.message).toMatch(/does not offer the API call/);
    expect(s.count("GET")).toBe(1);
  });

  it("a refused connection is E_PVE_UNREACHABLE naming the endpoint", async () => {
    const s = await serve(() => ({ data: null }));
    const url = s.url;
    await s.close();
    server = undefined;
    const { client } = makeClient(url, { getRetries: 0 });
    const err = await rejection(client.version());
    expect(err.code).toBe("E_PVE_UNREACHABLE");
    expect(err.message).toContain(url);
    expect(err.message).toMatch(/ECONNREFUSED/);
  });
});
