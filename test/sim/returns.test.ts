import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PveSimulator, startPveSimulator } from "../../src/sim/pve/index.js";
import { ApiSchema } from "../../src/sim/pve/schema/api-schema.js";
import { call, waitTask } from "./client.js";
import { checkReturns } from "./returns.js";

/** Documented deviations of real PVE from its own schema (NOTES §3.1 #4, §5 rec. 2). */
const KNOWN_DEVIATIONS = new Set(["GET /cluster/nextid"]);

describe.each(["9.1", "8.4"] as const)("responses match the official returns schema (PVE %s)", (version) => {
  let sim: PveSimulator;
  beforeAll(async () => {
    sim = await startPveSimulator({
      tls: false,
      pveVersion: version,
      defaultTaskDurationMs: 5,
      execDurationMs: 0,
    });
  });
  afterAll(() => sim.close());

  it("for every bot endpoint exercised with valid input", async () => {
    const apiSchema = ApiSchema.load(version);
    const upid = (await call(sim, "POST", "/nodes/pve1/qemu/100/snapshot", { snapname: "ret" })).json.data;
    await waitTask(sim, upid);
    const pid = (await call(sim, "POST", "/nodes/pve1/qemu/100/agent/exec", { command: ["uname", "-r"] }))
      .json.data.pid;
    const calls: Array<[string, string, string, Record<string, unknown>?]> = [
      ["GET", "/version", "/version"],
      ["GET", "/nodes", "/nodes"],
      ["GET", "/nodes/{node}/status", "/nodes/pve1/status"],
      ["GET", "/cluster/resources", "/cluster/resources"],
      ["GET", "/cluster/nextid", "/cluster/nextid"],
      ["GET", "/storage", "/storage"],
      ["GET", "/storage/{storage}", "/storage/local"],
      ["GET", "/nodes/{node}/storage", "/nodes/pve1/storage", { format: 1 }],
      ["GET", "/nodes/{node}/storage/{storage}/status", "/nodes/pve1/storage/local/status"],
      ["GET", "/nodes/{node}/storage/{storage}/content", "/nodes/pve1/storage/local/content"],
      ["GET", "/nodes/{node}/qemu", "/nodes/pve1/qemu"],
      ["GET", "/nodes/{node}/qemu/{vmid}/config", "/nodes/pve1/qemu/100/config"],
      ["GET", "/nodes/{node}/qemu/{vmid}/snapshot", "/nodes/pve1/qemu/100/snapshot"],
      ["GET", "/nodes/{node}/qemu/{vmid}/status/current", "/nodes/pve1/qemu/100/status/current"],
      ["POST", "/nodes/{node}/qemu/{vmid}/agent/ping", "/nodes/pve1/qemu/100/agent/ping"],
      ["GET", "/nodes/{node}/qemu/{vmid}/agent/get-osinfo", "/nodes/pve1/qemu/100/agent/get-osinfo"],
      [
        "GET",
        "/nodes/{node}/qemu/{vmid}/agent/network-get-interfaces",
        "/nodes/pve1/qemu/100/agent/network-get-interfaces",
      ],
      [
        "GET",
        "/nodes/{node}/qemu/{vmid}/agent/exec-status",
        "/nodes/pve1/qemu/100/agent/exec-status",
        { pid },
      ],
      ["GET", "/nodes/{node}/tasks", "/nodes/pve1/tasks"],
      ["GET", "/nodes/{node}/tasks/{upid}/status", `/nodes/pve1/tasks/${upid}/status`],
      ["GET", "/nodes/{node}/tasks/{upid}/log", `/nodes/pve1/tasks/${upid}/log`],
      ["GET", "/nodes/{node}/apt/update", "/nodes/pve1/apt/update"],
      ["GET", "/nodes/{node}/apt/versions", "/nodes/pve1/apt/versions"],
      ["GET", "/access/permissions", "/access/permissions"],
      ["POST", "/nodes/{node}/qemu/{vmid}/status/start", "/nodes/pve2/qemu/102/status/start"],
      ["POST", "/nodes/{node}/apt/update", "/nodes/pve1/apt/update"],
    ];
    const problems: string[] = [];
    for (const [method, template, path, params] of calls) {
      const res = await call(sim, method, path, params ?? {});
      if (res.status !== 200) {
        problems.push(`${method} ${path}: HTTP ${res.status} ${res.statusText}`);
        continue;
      }
      if (KNOWN_DEVIATIONS.has(`${method} ${template}`)) continue;
      const route = apiSchema.find(method, template)!;
      problems.push(
        ...checkReturns(route.info.returns, res.json.data).map((p) => `${method} ${template}: ${p}`),
      );
    }
    expect(problems).toEqual([]);
  });
});
