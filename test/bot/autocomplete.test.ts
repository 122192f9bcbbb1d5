import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { AutocompleteRequest } from "../../src/adapters/chat.js";
import { deleteKeysWithPrefix } from "../../src/adapters/store/redis.js";
import { Autocompleter } from "../../src/bot/pipeline/autocomplete.js";
import { serviceSources } from "../../src/bot/pipeline/suggest-sources.js";
import { defineCommand } from "../../src/commands/definition.js";
import { ALL_COMMANDS } from "../../src/commands/index.js";
import { CommandRegistry } from "../../src/commands/registry.js";
import type { JobDefinition } from "../../src/services/jobs/definition.js";
import { ImageCatalog } from "../../src/services/templates/catalog/catalog.js";
import type { Actor } from "../../src/services/vocabulary/identity.js";
import { fixtureWithVms } from "../helpers/autocomplete-fixture.js";
import {
  CONVERSATION,
  consoleActor,
  createHarness,
  type Harness,
  silentLog,
} from "../helpers/dispatcher-harness.js";
import { type SimClient, startSimClient } from "../proxmox/helpers/sim.js";

const noop: JobDefinition = {
  type: "test.noop",
  title: () => "Noop for autocomplete",
  steps: [{ name: "wait", label: "wait", run: async () => {} }],
};
const catalog = ImageCatalog.load();
const alice = consoleActor("alice");
const stranger = consoleActor("mallory");

let t: SimClient;
let h: Harness;
beforeAll(async () => {
  t = await startSimClient({ fixture: fixtureWithVms(40) });
  h = await createHarness({
    commands: [...ALL_COMMANDS],
    rbac: { bindings: [{ role: "operator", subjects: ["console:user:alice"] }], channels: {} },
    services: { proxmox: t.client, imageCatalog: catalog },
    jobDefinitions: [noop],
  });
});
afterAll(async () => {
  await deleteKeysWithPrefix(h.redis, h.prefix);
  await h.close();
  await t.close();
});

let n = 0;
const ask = (command: string, option: string, value: string, actor: Actor = alice) =>
  h.dispatcher.onAutocomplete({
    actor,
    conversation: CONVERSATION,
    command,
    option,
    value,
    requestId: `ac-${++n}`,
  });

describe("autocomplete from the real services", () => {
  it("offers the cluster's VMs (not templates) by id, at most 25, filtered by what was typed", async () => {
    const guests = (await t.client.clusterResources("vm")).flatMap((r) => (r.type === "qemu" ? [r] : []));
    const vms = guests.filter((r) => !r.template);
    expect(vms.length).toBeGreaterThan(25);
    const all = await ask("vm.start", "vm", "");
    expect(all).toHaveLength(25);
    for (const c of all) expect(vms.map((v) => String(v.vmid))).toContain(c.value);
    const web = await ask("vm.start", "vm", "LOAD-01");
    expect(web.map((c) => c.value)).toEqual(
      vms.filter((v) => v.name?.toLowerCase().includes("load-01")).map((v) => String(v.vmid)),
    );
    expect(web[0]!.name).toMatch(/^\d+ · load-01\d* · (running|stopped), pve\d$/);
    const templates = await ask("vm.create", "from", "");
    expect(templates.map((c) => c.value).sort()).toEqual(
      guests
        .filter((r) => r.template)
        .map((r) => String(r.vmid))
        .sort(),
    );
  });

  it("offers nodes and distro keys, completing the last word of a list", async () => {
    const nodes = await ask("vms", "node", "pve");
    expect(nodes.map((c) => c.value)).toEqual((await t.client.nodes()).map((x) => x.node));
    const distros = await ask("template.build", "distros", "ubuntu-24.04 deb");
    const debian = catalog.all().filter((e) => e.key.startsWith("deb"));
    expect(debian.length).toBeGreaterThan(0);
    expect(distros.slice(0, debian.length).map((c) => c.value)).toEqual(
      debian.map((e) => `ubuntu-24.04 ${e.key}`).slice(0, 25),
    );
    expect(distros[0]!.name.startsWith("ubuntu-24.04 ")).toBe(true);
    for (const c of distros) expect(c.name.length).toBeLessThanOrEqual(100);
  });

  it("offers recent job ids from the queue", async () => {
    const started = await h.core.services!.jobs.start({
      type: "test.noop",
      data: {},
      requestedBy: alice,
      conversation: CONVERSATION,
      requestId: "job-1",
    });
    // The job list was not read before in this test file, so nothing cached hides the new job.
    const choices = await ask("job.cancel", "id", started.id);
    expect(choices[0]).toEqual({
      value: started.id,
      name: `${started.id} · Noop for autocomplete · waiting`,
    });
  });

  it("suggests nothing to someone who may not run the command, nor for arguments without a kind", async () => {
    expect(await ask("vm.start", "vm", "", stranger)).toEqual([]);
    expect(await ask("vms", "tag", "")).toEqual([]);
    expect(await ask("no.such.command", "vm", "")).toEqual([]);
  });
});

describe("autocomplete cache and deadline", () => {
  const request = (value: string): AutocompleteRequest => ({
    actor: alice,
    conversation: CONVERSATION,
    command: "vm.start",
    option: "vm",
    value,
    requestId: "r",
  });
  const completer = (now: () => number, deadlineMs = 2000) =>
    new Autocompleter({
      registry: h.core.registry,
      services: { ...h.core.services!, proxmox: t.client },
      sources: serviceSources({ ...h.core.services!, proxmox: t.client }),
      clock: { now },
      log: silentLog,
      ttlMs: 5000,
      deadlineMs,
    });

  it("reads the cluster once per few seconds, however many keystrokes and concurrent requests", async () => {
    let now = 1_000_000;
    const ac = completer(() => now);
    const count = () => t.sim.requests.count("GET", "/api2/json/cluster/resources");
    const before = count();
    await Promise.all(["1", "10", "101", "1", "lo"].map((v) => ac.complete(request(v))));
    await ac.complete(request("load"));
    expect(count() - before).toBe(1);
    now += 5001;
    await ac.complete(request("load"));
    expect(count() - before).toBe(2);
  });

  it("answers nothing rather than late when the cluster is slow, and the next keystroke gets the values", async () => {
    const ac = completer(() => Date.now(), 150);
    t.sim.faults.addLatency({ method: "GET", path: "/api2/json/cluster/resources", ms: 600, times: 1 });
    const started = performance.now();
    expect(await ac.complete(request("load"))).toEqual([]);
    expect(performance.now() - started).toBeLessThan(500);
    await new Promise((r) => setTimeout(r, 700));
    expect((await ac.complete(request("load"))).length).toBeGreaterThan(0);
  });
});

describe("autocomplete sources from outside the command services", () => {
  it("uses a source passed in (alert ids), and reads a failed source again on the next keystroke", async () => {
    const ack = defineCommand({
      name: "ack",
      summary: "Acknowledge an alert group",
      args: z.object({ id: z.string() }),
      positionals: [{ name: "id" }],
      suggest: { id: "alert" },
      permission: "operator",
      destructive: false,
      run: async () => ({}),
    });
    let calls = 0;
    const ac = new Autocompleter({
      registry: new CommandRegistry([ack]),
      services: h.core.services!,
      sources: {
        alert: async () => {
          calls++;
          if (calls === 1) throw new Error("alert store unavailable");
          return [
            { value: "7f3a2c", label: "7f3a2c · CPU high on pve2 · firing" },
            { value: "1b9e00", label: "1b9e00 · Disk almost full · resolved" },
          ];
        },
      },
      clock: { now: () => 0 },
      log: silentLog,
    });
    const req = {
      actor: alice,
      conversation: CONVERSATION,
      command: "ack",
      option: "id",
      value: "cpu",
      requestId: "a",
    };
    expect(await ac.complete(req)).toEqual([]);
    expect(await ac.complete(req)).toEqual([{ value: "7f3a2c", name: "7f3a2c · CPU high on pve2 · firing" }]);
    expect(calls).toBe(2);
  });
});
