import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { nodes } from "../../src/commands/nodes.js";
import { storage } from "../../src/commands/storage.js";
import { vm } from "../../src/commands/vm.js";
import { vms } from "../../src/commands/vms.js";
import { createInventoryCache } from "../../src/services/inventory/cache.js";
import type { ClusterResource, GuestResource, NodeSummary } from "../../src/services/proxmox.js";
import { type SimClient, simCommandContext, startSimClient } from "../proxmox/helpers/sim.js";

const RESOURCES = "/cluster/resources";
const guests = (all: ClusterResource[]) => all.filter((r): r is GuestResource => r.type === "qemu");

describe("one shared /cluster/resources read", () => {
  let t: SimClient;
  let now = 1_000_000;
  const clock = { now: () => now };
  beforeAll(async () => {
    t = await startSimClient({ nodes: 3, vms: 60, access: "read-only" }, { getRetries: 0 });
  });
  afterAll(async () => {
    t.expectSchemaValid();
    await t.close();
  });
  beforeEach(() => {
    t.sim.requests.clear();
  });
  const reads = () => t.sim.requests.count("GET", RESOURCES);

  it("answers vms, vm, nodes and storage from one read, and concurrent callers share it", async () => {
    const cache = createInventoryCache(t.client, { ttlMs: 5_000, clock });
    const ctx = {
      ...simCommandContext(t),
      services: { ...simCommandContext(t).services, proxmox: cache.cached },
    };
    const replies = await Promise.all([
      vms.run(ctx, {}),
      vms.run(ctx, { templates: true }),
      nodes.run(ctx, {}),
      storage.run(ctx, {}),
      vm.run(ctx, { vm: "100" }),
    ]);
    expect(reads()).toBe(1);
    expect(t.sim.requests.count("GET", "/nodes")).toBe(0);
    expect(replies.map((r) => r.title)).toEqual([
      "VMs (59)",
      "Templates (1)",
      "Nodes (3)",
      "Storage (9)",
      expect.stringMatching(/^VM 100 /),
    ]);
    await vms.run(ctx, { node: "pve02" });
    expect(reads()).toBe(1);
  });

  it("builds the node listing from the read with the figures GET /nodes gives", async () => {
    const cache = createInventoryCache(t.client, { ttlMs: 5_000, clock });
    const byName = (list: NodeSummary[]) => [...list].sort((a, b) => a.node.localeCompare(b.node));
    const fromCache = byName(await cache.cached.nodes());
    const fresh = byName(await t.client.nodes());
    // Uptime ticks between the two requests; the rest is the same data.
    const strip = (list: { uptime?: number }[]) => list.map(({ uptime: _u, ...rest }) => rest);
    expect(strip(fromCache)).toEqual(strip(fresh));
    expect(fromCache.every((n) => typeof n.maxmem === "number" && typeof n.uptime === "number")).toBe(true);
  });

  it("reads again once the TTL has passed, and every time with a TTL of 0 unless a read is in flight", async () => {
    const cache = createInventoryCache(t.client, { ttlMs: 5_000, clock });
    await cache.cached.clusterResources("vm");
    now += 4_999;
    await cache.cached.clusterResources("storage");
    expect(reads()).toBe(1);
    now += 1;
    await cache.cached.clusterResources("vm");
    expect(reads()).toBe(2);

    const none = createInventoryCache(t.client, { ttlMs: 0, clock });
    await Promise.all([none.cached.clusterResources(), none.cached.nodes()]);
    expect(reads()).toBe(3);
    await none.cached.clusterResources();
    expect(reads()).toBe(4);
  });

  it("drops the read after the bot's own writes and when a followed task stops", async () => {
    const root = t.sim.addToken({ tokenId: "root@pam!cache", privsep: false });
    const cache = createInventoryCache(t.clientFor(root.tokenId, root.secret), { ttlMs: 60_000, clock });
    const guest = async (vmid: number) =>
      guests(await cache.cached.clusterResources("vm")).find((r) => r.vmid === vmid);
    const target = guests(await cache.cached.clusterResources("vm")).find(
      (r) => r.status === "stopped" && !r.template,
    )!;
    const upid = await cache.invalidating.startVm(target.node, target.vmid);
    const afterStart = reads();
    await cache.cached.clusterResources();
    expect(reads()).toBe(afterStart + 1);
    // The task runs on: a status poll that sees it stopped drops the read again.
    let status = await cache.invalidating.taskStatus(upid);
    while (status.status !== "stopped") {
      await new Promise((r) => setTimeout(r, 10));
      status = await cache.invalidating.taskStatus(upid);
    }
    expect((await guest(target.vmid))?.status).toBe("running");
    expect(reads()).toBe(afterStart + 2);
  });

  it("does not keep a read that started before a write, nor a failed read", async () => {
    const cache = createInventoryCache(t.client, { ttlMs: 60_000, clock });
    const before = cache.cached.clusterResources();
    cache.invalidate();
    await before;
    await cache.cached.clusterResources();
    expect(reads()).toBe(2);

    cache.invalidate();
    t.sim.faults.failNext({ method: "GET", path: RESOURCES, status: 500, message: "cluster not ready" });
    await expect(cache.cached.clusterResources()).rejects.toThrow(/cluster not ready/);
    expect((await cache.cached.clusterResources()).length).toBeGreaterThan(60);
    expect(reads()).toBe(4);
  });
});
