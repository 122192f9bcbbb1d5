import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PveSimulator, startPveSimulator } from "../../src/sim/pve/index.js";
import { ApiSchema } from "../../src/sim/pve/schema/api-schema.js";
import {
  lookupProperty,
  parsePropertyString,
  perlPattern,
  validateParameters,
} from "../../src/sim/pve/schema/validate.js";

const apiSchema = ApiSchema.load("9.1");
const info = (method: string, path: string) => apiSchema.find(method, path)!.info;

describe("schema validation semantics", () => {
  it("wraps a scalar for array parameters; booleans are 1/0 or JSON true/false, as in check_type", () => {
    const exec = validateParameters(info("POST", "/nodes/{node}/qemu/{vmid}/agent/exec"), {
      node: "pve1",
      vmid: "100",
      command: "uptime",
    });
    expect(exec).toEqual({ ok: true, params: { node: "pve1", vmid: 100, command: ["uptime"] } });
    const words = ["1", "0", true, false, "on", "true", "yes"].map((v) =>
      validateParameters(info("DELETE", "/nodes/{node}/qemu/{vmid}"), { node: "pve1", vmid: 100, purge: v }),
    );
    expect(words.map((r) => (r.ok ? r.params["purge"] : "err"))).toEqual([1, 0, 1, 0, "err", "err", "err"]);
    const bad = validateParameters(info("DELETE", "/nodes/{node}/qemu/{vmid}"), {
      node: "pve1",
      vmid: 100,
      purge: "maybe",
    });
    expect(bad).toEqual({ ok: false, errors: { purge: "type check ('boolean') failed - got 'maybe'" } });
  });

  it("knows indexed options and their limits", () => {
    const props = info("POST", "/nodes/{node}/qemu").parameters!.properties!;
    expect(lookupProperty(props, "scsi30")?.key).toBe("scsi[n]");
    expect(lookupProperty(props, "scsi31")).toBeUndefined();
    expect(lookupProperty(props, "net31")?.key).toBe("net[n]");
    expect(lookupProperty(props, "ide4")).toBeUndefined();
    expect(lookupProperty(props, "scsi01")).toBeUndefined();
  });

  it("parses property strings with default keys, aliases and key aliases", () => {
    const props = info("POST", "/nodes/{node}/qemu").parameters!.properties!;
    const net = props["net[n]"]!.format as Record<string, never>;
    expect(parsePropertyString(net, "virtio=BC:24:11:00:00:01,bridge=vmbr0,tag=20")).toEqual({
      model: "virtio",
      macaddr: "BC:24:11:00:00:01",
      bridge: "vmbr0",
      tag: "20",
    });
    expect(parsePropertyString(net, "virtio,model=e1000")).toBe(
      "duplicate key in comma-separated list property: model",
    );
    const agent = props["agent"]!.format as Record<string, never>;
    expect(parsePropertyString(agent, "1,guest-fsfreeze=0")).toEqual({ enabled: "1", "freeze-fs": "0" });
    const tagTooHigh = validateParameters(info("POST", "/nodes/{node}/qemu"), {
      node: "pve1",
      vmid: 100,
      net0: "virtio,bridge=vmbr0,tag=5000",
    });
    expect(tagTooHigh).toEqual({
      ok: false,
      errors: { net0: "invalid format - format error\nnet0.tag: value must have a maximum value of 4094\n" },
    });
  });

  it("anchors Perl patterns and checks named formats", () => {
    expect(perlPattern("(?^:[a-z]+)").test("abc")).toBe(true);
    expect(perlPattern("(?^:[a-z]+)").test("abc1")).toBe(false);
    const cases: Record<string, unknown> = {
      tags: "tmpl;ubuntu;24-04",
      ipconfig0: "ip=10.0.0.5/24,gw=10.0.0.1",
      boot: "order=scsi0;net0",
      memory: "current=2048",
    };
    expect(
      validateParameters(info("POST", "/nodes/{node}/qemu"), { node: "pve1", vmid: 100, ...cases }).ok,
    ).toBe(true);
    const wrong = validateParameters(info("POST", "/nodes/{node}/qemu"), {
      node: "pve 1",
      vmid: 100,
      tags: "bad tag!",
      ipconfig0: "ip=10.0.0.5",
      memory: "8",
    });
    expect(wrong.ok ? {} : wrong.errors).toEqual({
      node: "invalid format - value does not look like a valid node name\n",
      tags: "invalid format - invalid characters in tag\n",
      ipconfig0: "invalid format - invalid IPv4 address/CIDR '10.0.0.5'\n",
      memory: "invalid format - format error\nmemory.current: value must have a minimum value of 16\n",
    });
  });
});

describe("PveSimulator.validate", () => {
  let sim: PveSimulator;
  beforeAll(async () => {
    sim = await startPveSimulator({ tls: false });
  });
  afterAll(() => sim.close());

  it("answers like the server without sending anything", () => {
    expect(sim.validate("GET", "/nodes/pve1/qemu/100/config", {})).toEqual({ ok: true });
    expect(sim.validate("POST", "/api2/json/nodes/pve1/qemu/100/agent/get-osinfo", {})).toEqual({
      ok: false,
      status: 501,
      message: "Method 'POST /nodes/pve1/qemu/100/agent/get-osinfo' not implemented",
    });
    expect(sim.validate("POST", "/nodes/pve1/qemu/100/snapshot", { snapname: "a" })).toEqual({
      ok: false,
      status: 400,
      message: "Parameter verification failed.\n",
      errors: { snapname: "invalid format - invalid configuration ID 'a'\n" },
    });
    expect(sim.validate("PUT", "/nodes/pve1/qemu/100/config", { vmid: 101 })).toMatchObject({
      ok: false,
      status: 400,
    });
    expect(sim.requests.entries).toHaveLength(0);
  });
});
