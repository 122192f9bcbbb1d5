/**
 * The written visibility rule (docs/CHAT.md), checked on every registered command by running it: reads
 * answer privately, actions answer in the channel, a job start answers the asker privately while its card
 * goes to the channel. Runs on the simulator, real Redis stores and a real BullMQ worker (the template rig).
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStores } from "../../src/bot/compose/stores.js";
import type { CommandDefinition, CommandServices } from "../../src/commands/definition.js";
import { ALL_COMMANDS } from "../../src/commands/index.js";
import { CommandRegistry } from "../../src/commands/registry.js";
import { COMMAND_AUDIENCE, visibilityOf } from "../../src/commands/visibility.js";
import { Rbac } from "../../src/services/rbac.js";
import { ImageCatalog } from "../../src/services/templates/catalog/catalog.js";
import type { Reply } from "../../src/services/vocabulary/reply.js";
import { type ProvisionRig, startProvisionRig } from "../provision/rig.js";
import { alice, vmsInRange } from "../templates/build/rig.js";

let rig: ProvisionRig;
let services: CommandServices;
beforeAll(async () => {
  rig = await startProvisionRig();
  const stores = createStores(rig.redis, { prefix: rig.prefix });
  await stores.audit.append({
    at: Date.now(),
    kind: "invocation",
    requestId: "req-0",
    outcome: "ok",
    actor: alice,
  });
  services = {
    ...rig.ctx().services,
    commands: new CommandRegistry(ALL_COMMANDS),
    rbac: new Rbac({ bindings: [{ role: "admin", subjects: ["console:user:alice"] }], channels: {} }),
    approvals: stores.approvals,
    audit: stores.audit,
    imageCatalog: ImageCatalog.load(),
    version: "test",
  } as CommandServices;
}, 60_000);
afterAll(async () => {
  await rig?.close();
});

const byName = (name: string): CommandDefinition => ALL_COMMANDS.find((d) => d.name === name)!;

/** As the pipeline runs it: the command's target resolved first, when it has one. */
async function run(name: string, args: Record<string, unknown>): Promise<Reply> {
  const def = byName(name);
  const ctx = { ...rig.context(), services };
  const target = def.resolve ? await def.resolve(ctx, args as never) : undefined;
  return def.run(ctx, args as never, target);
}

/** Checks a successful reply against the rule, and a job start's card too. */
async function expectRule(name: string, reply: Reply): Promise<void> {
  expect(reply.errorCode, `${name}: ${reply.text}`).toBeUndefined();
  const kind = COMMAND_AUDIENCE[name]!;
  expect(reply.visibility, name).toBe(visibilityOf(kind));
  if (kind === "job") {
    expect(reply.jobId, name).toBeDefined();
    const card = rig.jobs.chat.posts.find((p) => p.reply.jobId === reply.jobId);
    expect(card?.reply.visibility, `${name}'s job card`).toBe("channel");
    await rig.jobs.queue.waitUntilFinished(reply.jobId!, 60_000);
  }
}

describe("the visibility rule", () => {
  it("names every registered command, and nothing else", () => {
    expect(Object.keys(COMMAND_AUDIENCE).sort()).toEqual(ALL_COMMANDS.map((d) => d.name).sort());
  });

  it("is the table docs/CHAT.md writes down", () => {
    const doc = readFileSync(new URL("../../docs/CHAT.md", import.meta.url), "utf8");
    const rows = [...doc.matchAll(/^\| `([a-z. ]+)` \| (read|action|job) \| (private|public)/gm)];
    const documented = Object.fromEntries(rows.map((m) => [m[1]!.replaceAll(" ", "."), m[2]]));
    expect(documented).toEqual(COMMAND_AUDIENCE);
    for (const m of rows) expect(m[3], m[1]).toBe(m[2] === "action" ? "public" : "private");
  });

  it("holds for every command's reply", { timeout: 120_000 }, async () => {
    const seen = new Set<string>();
    const check = async (name: string, args: Record<string, unknown> = {}) => {
      await expectRule(name, await run(name, args));
      seen.add(name);
    };
    for (const name of ["help", "whoami", "version", "nodes", "vms", "storage", "template.distros"])
      await check(name);
    await check("vm", { vm: "103" });
    // Someone else's task, as in the inventory tests: the bot's token reads it, a root token makes it.
    const root = rig.sim.sim.addToken({ tokenId: "root@pam!visibility", privsep: false });
    const upid = await rig.sim
      .clientFor(root.tokenId, root.secret)
      .createSnapshot("pve3", 103, { name: "visibility" });
    await rig.sim.client.waitForTask(upid);
    await check("task", { upid });

    await check("template.build", { distros: ["debian-12"], node: "pve1" });
    // A newer upstream image: the refresh supersedes the first build, which prune then has to delete.
    rig.mirror.publishBuild("debian-12");
    await check("template.refresh", { distros: ["debian-12"] });
    await check("template.list");
    await check("jobs");
    const [last] = await rig.jobs.queue.list({ limit: 1 });
    await check("job", { id: last!.id });
    await check("approvals");
    await check("audit");

    // A job held at its resize step is live, so cancelling it succeeds.
    const release = rig.sim.sim.holdTasks("resize");
    const live = await run("template.build", { distros: ["rocky-9"], node: "pve2" });
    await check("job.cancel", { id: live.jobId });
    release();
    await rig.jobs.queue.waitUntilFinished(live.jobId!, 60_000);

    await check("template.export", { template: "tmpl-debian-12", terraform: true });
    await check("vm.profiles");
    await check("vm.create", { name: "vis", from: "tmpl-debian-12", ip: "dhcp", start: true });
    const made = rig.created().find((vm) => vm.name === "vis")!;
    await check("vm.snapshot", { vm: String(made.vmid) });
    await check("vm.snapshots", { vm: String(made.vmid) });
    await check("vm.reboot", { vm: String(made.vmid) });
    await check("vm.shutdown", { vm: String(made.vmid) });
    await check("vm.start", { vm: String(made.vmid) });
    await check("vm.stop", { vm: String(made.vmid) });
    await check("vm.delete", { vm: String(made.vmid) });

    await check("template.prune", { keep: 0 });
    const built = vmsInRange(rig).filter((v) => v.template && v.name.startsWith("tpl-debian-12"));
    expect(built).toHaveLength(1);
    await check("template.delete", { template: String(built[0]!.vmid) });
    // The `update` commands have their own walk on the update rig: test/updates/visibility.test.ts; the
    // alert commands theirs next to an Alertmanager: test/alerts/actions.test.ts.
    const ALERT_COMMANDS = ["alerts", "alert", "ack", "silence", "unsilence", "silences"];
    const elsewhere = (name: string) => name.startsWith("update.") || ALERT_COMMANDS.includes(name);
    expect([...seen].sort()).toEqual(
      Object.keys(COMMAND_AUDIENCE)
        .filter((n) => !elsewhere(n))
        .sort(),
    );
  });

  it("keeps refusals private, whatever the command's kind", async () => {
    const refused = await run("job.cancel", { id: "no-such-job" });
    expect(refused).toMatchObject({ errorCode: "E_NOT_FOUND", visibility: "ephemeral" });
    const beyond = await run("vms", { page: 999 });
    expect(beyond).toMatchObject({ errorCode: "E_ARGS", visibility: "ephemeral" });
  });
});
