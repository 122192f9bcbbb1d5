import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PveSimulator, startPveSimulator } from "../../src/sim/pve/index.js";
import { parseFixture } from "../../src/sim/pve/state/fixture.js";
import { seedCluster } from "../../src/sim/pve/state/seed.js";
import { call, documentedAuth, tokenAuth } from "./client.js";

describe("seeded clusters (--nodes N --vms M)", () => {
  it("lays out the same cluster for the same seed, and another for another seed", () => {
    const a = seedCluster({ nodes: 4, vms: 500, seed: 3 });
    expect(seedCluster({ nodes: 4, vms: 500, seed: 3 })).toEqual(a);
    expect(seedCluster({ nodes: 4, vms: 500, seed: 4 })).not.toEqual(a);
  });

  it("spreads unique, realistic guests over every node, with templates, tags and pools", () => {
    const f = parseFixture(seedCluster({ nodes: 16, vms: 10_000 }));
    expect(f.nodes.map((n) => n.node)).toEqual(
      Array.from({ length: 16 }, (_, i) => `pve${String(i + 1).padStart(2, "0")}`),
    );
    expect(f.vms).toHaveLength(10_000);
    const perNode = new Map<string, number>();
    for (const vm of f.vms) perNode.set(vm.node, (perNode.get(vm.node) ?? 0) + 1);
    expect([...perNode.values()].every((n) => n === 625)).toBe(true);
    const names = f.vms.map((vm) => String(vm.config.name));
    expect(new Set(names).size).toBe(names.length);
    expect(names.every((n) => /^[a-z][a-z0-9-]*-\d{3,}$/.test(n))).toBe(true);
    const templates = f.vms.filter((vm) => vm.config.template === 1);
    expect(templates.length).toBe(250);
    expect(templates.every((t) => t.status === "stopped" && String(t.config.name).startsWith("tmpl-"))).toBe(
      true,
    );
    expect(new Set(f.vms.map((vm) => vm.pool))).toEqual(new Set(["prod", "staging", "dev", "chatops"]));
    const running = f.vms.filter((vm) => vm.status === "running").length;
    expect(running / f.vms.length).toBeGreaterThan(0.6);
    expect(running / f.vms.length).toBeLessThan(0.75);
    expect(f.vms.every((vm) => String(vm.config.tags).split(";").length >= 2)).toBe(true);
  });

  it("refuses sizes that are not whole numbers in range, and a fixture given together with a size", async () => {
    expect(() => seedCluster({ nodes: 0, vms: 10 })).toThrow("nodes: expected a whole number from 1 to 1000");
    expect(() => seedCluster({ nodes: 2, vms: 1.5 })).toThrow(
      "vms: expected a whole number from 0 to 200000",
    );
    await expect(
      startPveSimulator({ tls: false, vms: 10, fixture: seedCluster({ nodes: 1, vms: 1 }) }),
    ).rejects.toThrow("give either a fixture or nodes/vms/seed, not both");
  });
});

describe("a 10,000-guest simulator", () => {
  let sim: PveSimulator;
  let reader: string;
  beforeAll(async () => {
    sim = await startPveSimulator({ tls: false, nodes: 16, vms: 10_000, access: "read-only" });
    reader = documentedAuth(sim);
  });
  afterAll(() => sim.close());

  it("lists every guest, node, storage and pool in /cluster/resources", async () => {
    const res = await call(sim, "GET", "/cluster/resources", {}, { auth: reader });
    expect(res.status).toBe(200);
    const byType = new Map<string, number>();
    for (const r of res.json.data as { type: string }[]) byType.set(r.type, (byType.get(r.type) ?? 0) + 1);
    expect(Object.fromEntries(byType)).toEqual({ qemu: 10_000, node: 16, storage: 48, pool: 4 });
  });

  it("lists one node's share on /nodes/{node}/qemu", async () => {
    const res = await call(sim, "GET", "/nodes/pve07/qemu", {}, { auth: reader });
    expect(res.status).toBe(200);
    expect(res.json.data).toHaveLength(625);
  });

  it("keeps shared permission results correct when the ACL or a pool changes", async () => {
    const { tokens } = sim.pveum(
      "pveum user add scoped@pve\n" +
        "pveum user token add scoped@pve tk --privsep 0\n" +
        "pveum acl modify /pool/staging --users scoped@pve --roles PVEAuditor\n",
    );
    const auth = tokenAuth(tokens[0]!.tokenId, tokens[0]!.secret);
    const visible = async () =>
      (
        (await call(sim, "GET", "/cluster/resources", { type: "vm" }, { auth })).json.data as {
          vmid: number;
        }[]
      ).length;
    const staging = [...sim.state.vms.values()].filter((vm) => vm.pool === "staging").length;
    expect(await visible()).toBe(staging);
    // A VM that leaves the pool is no longer covered by the pool's ACL.
    const moved = [...sim.state.vms.values()].find((vm) => vm.pool === "staging")!;
    moved.pool = "dev";
    expect(await visible()).toBe(staging - 1);
    // An ACL entry on one VM path is honoured although its siblings share a cached result.
    sim.pveum(`pveum acl modify /vms/${moved.vmid} --users scoped@pve --roles PVEAuditor\n`);
    expect(await visible()).toBe(staging);
  });
});
