import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PveSimulator, startPveSimulator } from "../../src/sim/pve/index.js";
import { ALL_ROUTES } from "../../src/sim/pve/routes/index.js";
import { ApiSchema } from "../../src/sim/pve/schema/api-schema.js";
import { parseFixture } from "../../src/sim/pve/state/fixture.js";
import { call } from "./client.js";

const ALLOWED = new Set([200, 400, 401, 403, 413, 500, 501, 595]);

describe("robustness against arbitrary input", () => {
  let sim: PveSimulator;
  beforeAll(async () => {
    sim = await startPveSimulator({ tls: false, defaultTaskDurationMs: 1 });
  });
  afterAll(() => sim.close());

  it("answers a path that a URL parser would read as an empty host ('//') instead of hanging up", async () => {
    for (const path of ["/../..//", "//", "//evil.example/version"]) {
      const res = await call(sim, "GET", path);
      expect(ALLOWED.has(res.status), `${path} -> ${res.status}`).toBe(true);
      expect(res.headers["content-type"]).toBe("application/json;charset=UTF-8");
    }
  });

  it("answers every random request with a PVE-shaped status and keeps serving", async () => {
    const segment = fc.oneof(
      fc.constantFrom(
        "nodes",
        "pve1",
        "qemu",
        "100",
        "9000",
        "config",
        "snapshot",
        "storage",
        "local",
        "agent",
        "exec",
        "status",
        "tasks",
        "..",
        "%2F",
        "%ZZ",
        "%00",
      ),
      fc.string({ maxLength: 8 }).map(encodeURIComponent),
    );
    const value = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.integer().map(String),
      fc.constantFrom("local-lvm:0,import-from=local:import/x.qcow2", "virtio,bridge=vmbr0", "1", "on"),
    );
    const params = fc.dictionary(
      fc.constantFrom(
        "vmid",
        "cores",
        "name",
        "snapname",
        "scsi0",
        "net0",
        "newid",
        "command",
        "delete",
        "digest",
        "pid",
        "purge",
        "upid",
        "x",
      ),
      value,
      { maxKeys: 5 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("GET", "POST", "PUT", "DELETE"),
        fc.array(segment, { minLength: 0, maxLength: 7 }),
        params,
        fc.boolean(),
        async (method, segments, body, asJson) => {
          const path = `/${segments.join("/")}`;
          const send = () =>
            asJson && (method === "POST" || method === "PUT")
              ? call(
                  sim,
                  method,
                  path,
                  {},
                  { rawBody: JSON.stringify(body), contentType: "application/json" },
                )
              : call(sim, method, path, body);
          const res = await send().catch((e: Error) => {
            throw new Error(`${method} ${path} ${JSON.stringify(body)} asJson=${asJson}: ${e.message}`);
          });
          expect(ALLOWED.has(res.status), `${method} ${path} -> ${res.status}`).toBe(true);
          expect(res.statusText, `${method} ${path} ${JSON.stringify(body)}`).not.toMatch(
            /^internal simulator error/,
          );
          if (res.status !== 401) expect(res.headers["content-type"]).toBe("application/json;charset=UTF-8");
        },
      ),
      { numRuns: 400 },
    );
    expect((await call(sim, "GET", "/version")).status).toBe(200);
  });
});

describe("schema-shaped random requests reach the handlers without crashing them", () => {
  let sim: PveSimulator;
  beforeAll(async () => {
    sim = await startPveSimulator({ tls: false, defaultTaskDurationMs: 1, execDurationMs: 0 });
  });
  afterAll(() => sim.close());

  it("keeps every answer PVE-shaped", async () => {
    const apiSchema = ApiSchema.load("9.1");
    const pathValue: Record<string, string[]> = {
      node: ["pve1", "pve2", "pve9"],
      vmid: ["100", "101", "102", "9000", "777"],
      storage: ["local", "local-lvm", "nfs-shared", "nope"],
      snapname: ["pre-upgrade", "nosuch", "current"],
      volume: [
        "local:iso/debian-12.11.0-amd64-netinst.iso",
        "import/x.qcow2",
        "nfs-shared:import/debian-12-genericcloud-amd64.qcow2",
      ],
      upid: ["UPID:pve1:00001000:00001000:00001000:qmstart:100:bot@pve!chatops:", "nope"],
    };
    const values = [
      "1",
      "0",
      "100",
      "9000",
      "105",
      "-1",
      "pve1",
      "local-lvm:0,import-from=local:import/ubuntu-24.04-server-cloudimg-amd64.qcow2",
      "local-lvm:4",
      "local-lvm:cloudinit",
      "nfs-shared:2,cache=none",
      "virtio,bridge=vmbr0",
      "scsi0",
      "+1G",
      "10G",
      "snap1",
      "import",
      "iso",
      "https://example.com/a.qcow2",
      "a.qcow2",
      "sha256",
      "a".repeat(64),
      "order=scsi0",
      "ip=dhcp",
      "tmpl;a",
      "cores,name",
      "",
      "x y",
      "enabled=1",
    ];
    const routeArb = fc.constantFrom(...ALL_ROUTES.filter((r) => r.path !== "/access/ticket"));
    await fc.assert(
      fc.asyncProperty(
        routeArb,
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom(...values)), { maxLength: 6 }),
        async (route, seed, picks) => {
          const path = route.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
            const pool = pathValue[name] ?? ["x"];
            return encodeURIComponent(pool[seed % pool.length]!);
          });
          const names = Object.keys(
            apiSchema.find(route.method, route.path)!.info.parameters?.properties ?? {},
          )
            .map((n) => n.replace("[n]", "0"))
            .filter((n) => !route.path.includes(`{${n}}`));
          const params: Record<string, string> = {};
          for (const [i, v] of picks) if (names.length > 0) params[names[i % names.length]!] = v;
          const res = await call(sim, route.method, path, params);
          expect(ALLOWED.has(res.status), `${route.method} ${path} -> ${res.status}`).toBe(true);
          expect(res.statusText, `${route.method} ${path} ${JSON.stringify(params)}`).not.toMatch(
            /^internal simulator error/,
          );
        },
      ),
      { numRuns: 600 },
    );
    const byStatus = (status: number) => sim.requests.entries.filter((e) => e.status === status).length;
    expect({
      ok: byStatus(200) > 60,
      handlerErrors: byStatus(500) > 20,
      paramErrors: byStatus(400) > 60,
    }).toEqual({
      ok: true,
      handlerErrors: true,
      paramErrors: true,
    });
  });
});

describe("cluster fixtures", () => {
  it("lists every problem of a broken fixture at once", () => {
    expect(() =>
      parseFixture({
        nodes: [{ node: "pve1", maxcpu: 4, cpu: 0, maxmem: 1, mem: 0, maxdisk: 1, disk: 0, uptime: 0 }],
        storages: [{ storage: "local", type: "dir", content: ["iso"], total: 1 }],
        vms: [
          { vmid: 100, node: "pve9", status: "running", pool: "nope", config: {}, guest: { os: "debian" } },
          { vmid: 100, node: "pve1", status: "stopped", config: {}, guest: { os: "debian" } },
        ],
      }),
    ).toThrow(
      "invalid cluster fixture:\nvm 100: unknown node 'pve9'\nvm 100: unknown pool 'nope'\nvm 100: duplicate vmid",
    );
    expect(() => parseFixture({ nodes: [], storages: [], vms: [] })).toThrow(/nodes: /);
  });
});
