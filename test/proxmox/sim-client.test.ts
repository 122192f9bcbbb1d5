import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ProxmoxError, ProxmoxTaskError } from "../../src/services/proxmox.js";
import { type SimClient, startSimClient } from "./helpers/sim.js";

let t: SimClient;
beforeEach(async () => {
  // Reads and snapshots of the seeded VMs 100 and 101, outside the bot's pool.
  t = await startSimClient({ rootToken: "client-tests" });
});
afterEach(async () => {
  t.expectSchemaValid();
  await t.close();
});

describe("against the PVE 9.1 simulator", () => {
  it("reads version, nodes, resources, config, status and storage", async () => {
    const { client } = t;
    expect(await client.version()).toMatchObject({ release: "9.1" });
    expect((await client.nodes()).map((n) => n.node).sort()).toEqual(["pve1", "pve2", "pve3"]);
    expect((await client.nodeStatus("pve1")).pveversion).toMatch(/^pve-manager\/9\.1/);
    const guests = await client.clusterResources("vm");
    expect(guests.some((g) => g.type === "qemu" && g.vmid === 100 && g.name === "web01")).toBe(true);
    expect(guests.some((g) => g.type === "qemu" && g.template)).toBe(true);
    expect((await client.vmConfig("pve1", 100)).name).toBe("web01");
    expect(await client.vmStatus("pve1", 100)).toMatchObject({ vmid: 100, status: "running", agent: true });
    const storage = await client.listStorage("pve1");
    expect(storage.map((s) => s.storage)).toContain("local-lvm");
    expect((await client.storageStatus("pve1", "local")).content).toContain("import");
    const images = await client.storageContent("pve1", "local", { content: "import" });
    expect(images.map((i) => i.volid)).toContain("local:import/ubuntu-24.04-server-cloudimg-amd64.qcow2");
    expect(await client.nextVmid()).toBeGreaterThanOrEqual(100);
    expect(await client.gate.readiness()).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/^Proxmox VE 9\.1/),
    });
  });

  it("snapshots: create, list, roll back, delete; a duplicate name fails in the task with PVE's message", async () => {
    const { client } = t;
    const done = await client.waitForTask(
      await client.createSnapshot("pve1", 100, { name: "pre-update", description: "before apt" }),
    );
    expect(done.exitstatus).toBe("OK");
    const snaps = await client.listSnapshots("pve1", 100);
    expect(snaps.map((s) => s.name)).toEqual(expect.arrayContaining(["pre-update", "current"]));
    const dup = await client
      .waitForTask(await client.createSnapshot("pve1", 100, { name: "pre-update" }))
      .catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(ProxmoxTaskError);
    expect((dup as ProxmoxTaskError).exitstatus).toBe("snapshot name 'pre-update' already used");
    expect((dup as ProxmoxTaskError).logTail.at(-1)).toBe(
      "TASK ERROR: snapshot name 'pre-update' already used",
    );
    await client.waitForTask(await client.rollbackSnapshot("pve1", 100, "pre-update"));
    await client.waitForTask(await client.deleteSnapshot("pve1", 100, "pre-update"));
    expect((await client.listSnapshots("pve1", 100)).map((s) => s.name)).toEqual(["current"]);
  });

  it("tasks ending OK, WARNINGS and ERROR (injected)", async () => {
    const { client, sim } = t;
    sim.faults.failNextTask({ type: "qmsnapshot", exitstatus: "WARNINGS: 1" });
    expect(
      await client.waitForTask(await client.createSnapshot("pve1", 101, { name: "warn1" })),
    ).toMatchObject({
      exitstatus: "WARNINGS: 1",
      warnings: 1,
    });
    sim.faults.failNextTask({ type: "qmsnapshot", exitstatus: "storage 'local-lvm' is full" });
    const err = await client
      .waitForTask(await client.createSnapshot("pve1", 101, { name: "err1" }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProxmoxTaskError);
    expect((err as Error).message).toBe(
      "Proxmox task qmsnapshot 101 on pve1 failed: storage 'local-lvm' is full",
    );
    const status = await client.taskStatus((err as ProxmoxTaskError).upid);
    expect(status).toMatchObject({ status: "stopped", exitstatus: "storage 'local-lvm' is full" });
  });

  it("a VM locked by a running task gives E_PVE_LOCKED", async () => {
    await t.close();
    t = await startSimClient({ rootToken: "client-tests" });
    const { client } = t;
    const release = t.sim.holdTasks("qmsnapshot");
    const upid = await client.createSnapshot("pve1", 100, { name: "slow" });
    const err = await client.updateVmConfig("pve1", 100, { description: "x" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProxmoxError);
    expect(err).toMatchObject({ code: "E_PVE_LOCKED", transient: true });
    expect((err as Error).message).toMatch(/VM is locked \(snapshot\)/);
    release();
    await client.waitForTask(upid);
  });

  it("a token without the privilege surfaces PVE's permission message", async () => {
    const { sim, clientFor } = t;
    const limited = sim.addToken({
      tokenId: "audit@pve!nodes",
      acl: [{ path: "/nodes", privs: ["Sys.Audit"], propagate: true }],
    });
    const client = clientFor(limited.tokenId, limited.secret);
    expect((await client.nodeStatus("pve1")).uptime).toBeGreaterThan(0);
    const err = await client.vmConfig("pve1", 100).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "E_PVE_PERMISSION", status: 403 });
    expect((err as Error).message).toContain("Permission check failed (/vms/100, VM.Audit)");
    const bad = clientFor(limited.tokenId, "00000000-0000-0000-0000-000000000000");
    await expect(bad.nodes()).rejects.toMatchObject({ code: "E_PVE_PERMISSION", status: 401 });
  });

  it("a POST whose answer is lost is sent once; a GET is retried", async () => {
    const { sim, clientFor } = t;
    const client = clientFor(sim.tokenId, sim.tokenSecret, { timeouts: { request: "400ms" } });
    sim.faults.addLatency({ method: "POST", path: "/nodes/pve1/qemu/101/snapshot", ms: 1_000, times: 1 });
    await expect(client.createSnapshot("pve1", 101, { name: "slowpost" })).rejects.toMatchObject({
      code: "E_PVE_UNREACHABLE",
    });
    expect(sim.requests.count("POST", "/nodes/pve1/qemu/101/snapshot")).toBe(1);
    sim.faults.dropConnection({ method: "DELETE", path: "/nodes/pve2/qemu/102", when: "after" });
    await expect(client.destroyVm("pve2", 102)).rejects.toMatchObject({ code: "E_PVE_UNREACHABLE" });
    expect(sim.requests.count("DELETE", "/nodes/pve2/qemu/102")).toBe(1);
    sim.faults.failNext({
      method: "GET",
      path: "/cluster/resources",
      status: 503,
      message: "temporarily busy",
      times: 2,
    });
    expect((await client.clusterResources()).length).toBeGreaterThan(0);
    expect(sim.requests.count("GET", "/cluster/resources")).toBe(3);
  });

  it("TLS: the simulator's CA file is accepted; without it the self-signed node is refused", async () => {
    const { sim, clientFor } = t;
    const dir = mkdtempSync(join(tmpdir(), "sim-ca-"));
    try {
      writeFileSync(join(dir, "ca.pem"), sim.caPem);
      const withCa = clientFor(sim.tokenId, sim.tokenSecret, {
        tlsFingerprint: undefined,
        tlsCaFile: join(dir, "ca.pem"),
      });
      expect((await withCa.version()).release).toBe("9.1");
      const trusting = clientFor(sim.tokenId, sim.tokenSecret, { tlsFingerprint: undefined, getRetries: 0 });
      await expect(trusting.version()).rejects.toMatchObject({ code: "E_PVE_TLS" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("path injection is refused before the simulator sees anything", async () => {
    const { client, sim } = t;
    for (const bad of ["..", "x?purge=1", "a#b", "a/b"]) {
      await expect(client.deleteSnapshot("pve1", 100, bad)).rejects.toMatchObject({ code: "E_ARGS" });
      await expect(client.vmStatus(bad, 100)).rejects.toMatchObject({ code: "E_ARGS" });
      await expect(client.storageContent("pve1", bad)).rejects.toMatchObject({ code: "E_ARGS" });
    }
    expect(sim.requests.entries).toHaveLength(0);
    expect(sim.state.vms.has(100)).toBe(true);
    await client.version();
  });
});
