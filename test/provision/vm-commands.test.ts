import { afterEach, describe, expect, it } from "vitest";
import { deleteKeysWithPrefix } from "../../src/adapters/store/redis.js";
import type { CommandDefinition } from "../../src/commands/definition.js";
import { ALL_COMMANDS } from "../../src/commands/index.js";
import { vmDelete } from "../../src/commands/vm-delete.js";
import { vmReboot } from "../../src/commands/vm-reboot.js";
import { vmShutdown } from "../../src/commands/vm-shutdown.js";
import { vmSnapshot } from "../../src/commands/vm-snapshot.js";
import { vmSnapshots } from "../../src/commands/vm-snapshots.js";
import { vmStart } from "../../src/commands/vm-start.js";
import { vmStop } from "../../src/commands/vm-stop.js";
import { CONVERSATION, consoleActor, createHarness, type Harness } from "../helpers/dispatcher-harness.js";
import { eventually } from "../jobs/support.js";
import { type ProvisionRig, startProvisionRig } from "./rig.js";

let rig: ProvisionRig | undefined;
let h: Harness | undefined;
afterEach(async () => {
  if (h) {
    await deleteKeysWithPrefix(h.redis, h.prefix);
    await h.close();
  }
  await rig?.close();
  rig = h = undefined;
});

async function run(r: ProvisionRig, command: CommandDefinition, args: Record<string, unknown>) {
  const ctx = r.ctx();
  const target = command.resolve ? await command.resolve(ctx, args) : undefined;
  return command.run(ctx, args, target);
}

describe("vm power, snapshot and delete", () => {
  it("starts, reboots, shuts down and stops a VM, each waiting for its task", async () => {
    rig = await startProvisionRig();
    const status = () => rig!.sim.sim.state.vms.get(102)!.status;
    expect((await run(rig, vmStart, { vm: "build01" })).text).toBe("build01 (102) on pve2 started.");
    expect(status()).toBe("running");
    expect((await run(rig, vmStart, { vm: "102" })).text).toMatch(/already running; nothing to do/);
    expect((await run(rig, vmReboot, { vm: "102" })).text).toMatch(/rebooted/);
    expect((await run(rig, vmShutdown, { vm: "102" })).text).toMatch(/shut down/);
    expect(status()).toBe("stopped");
    expect((await run(rig, vmStop, { vm: "102" })).text).toMatch(/already stopped/);
    await run(rig, vmStart, { vm: "102" });
    expect((await run(rig, vmStop, { vm: "102" })).text).toMatch(/stopped\.$/);
    expect(status()).toBe("stopped");
    rig.sim.expectSchemaValid();
  });

  it("refuses power actions on templates", async () => {
    rig = await startProvisionRig();
    await expect(run(rig, vmStart, { vm: "9000" })).rejects.toThrow(/is a template/);
  });

  it("takes a snapshot (named by time unless given) and lists them", async () => {
    rig = await startProvisionRig();
    expect((await run(rig, vmSnapshot, { vm: "102", name: "before-upgrade" })).text).toMatch(
      /Snapshot before-upgrade of build01 \(102\) taken/,
    );
    await run(rig, vmSnapshot, { vm: "102" });
    await expect(run(rig, vmSnapshot, { vm: "102", name: "before-upgrade" })).rejects.toThrow(/already has/);
    const list = await run(rig, vmSnapshots, { vm: "102" });
    expect(list.table?.rows.map((r) => r[0])).toEqual([
      "before-upgrade",
      expect.stringMatching(/^chatops-\d{8}-\d{6}$/),
    ]);
  });

  it("a snapshot whose answer was lost is looked for, not sent again: its task, or the snapshot by name", async () => {
    rig = await startProvisionRig();
    const snapshotPost = /^\/nodes\/pve2\/qemu\/102\/snapshot$/;
    const names = async () => (await run(rig!, vmSnapshots, { vm: "102" })).table?.rows.map((r) => r[0]);
    // Processed, answer lost, task still running when the bot looks: it follows that task.
    const release = rig.sim.sim.holdTasks("qmsnapshot");
    rig.sim.sim.faults.dropConnection({ method: "POST", path: snapshotPost, when: "after" });
    const first = run(rig, vmSnapshot, { vm: "102", name: "held" });
    const sim = rig.sim.sim;
    await eventually(() => sim.requests.count("GET", /\/tasks$/) > 0, "the bot to look for the task");
    release();
    expect((await first).text).toMatch(/Snapshot held of build01 \(102\) taken/);
    expect(rig.sim.sim.requests.count("POST", snapshotPost)).toBe(1);
    // Processed, answer lost, task long done when the bot looks: the snapshot is there by name.
    rig.sim.sim.faults.dropConnection({ method: "POST", path: snapshotPost, when: "after" });
    expect((await run(rig, vmSnapshot, { vm: "102", name: "done" })).text).toMatch(/Snapshot done/);
    expect(rig.sim.sim.requests.count("POST", snapshotPost)).toBe(2);
    // Never reached PVE: the only task since the send is the earlier snapshot's (within the clock-skew
    // allowance), which names no `lost`, so the snapshot is sent again, once.
    rig.sim.sim.faults.dropConnection({ method: "POST", path: snapshotPost, when: "before" });
    expect((await run(rig, vmSnapshot, { vm: "102", name: "lost" })).text).toMatch(/Snapshot lost/);
    expect(rig.sim.sim.requests.count("POST", snapshotPost)).toBe(4);
    expect(await names()).toEqual(["held", "done", "lost"]);
  });

  it("deletes only VMs of the bot's pool, never templates, stopping a running one first", async () => {
    rig = await startProvisionRig();
    await expect(run(rig, vmDelete, { vm: "9000" })).rejects.toThrow(/is a template/);
    await expect(run(rig, vmDelete, { vm: "edge01" })).resolves.toMatchObject({
      text: /Deleted edge01 \(103\)/,
    });
    expect(rig.sim.sim.state.vms.has(103)).toBe(false);
    // A VM outside the pool is invisible to the least-privilege token, so it is not found at all.
    await expect(run(rig, vmDelete, { vm: "100" })).rejects.toThrow(/no VM 100/);
  });

  it("refuses to delete a VM it can see outside its pool", async () => {
    rig = await startProvisionRig({ sim: { rootToken: "tests" } });
    await expect(run(rig, vmDelete, { vm: "web01" })).rejects.toThrow(
      /not in the bot's pool chatops but in prod/,
    );
    expect(rig.sim.sim.state.vms.has(100)).toBe(true);
  });

  it("stop and delete wait for approval through the dispatcher; start does not; `vm <id>` still shows a VM", async () => {
    rig = await startProvisionRig();
    h = await createHarness({
      commands: [...ALL_COMMANDS],
      rbac: { bindings: [{ role: "operator", subjects: ["console:user:alice"] }], channels: {} },
      services: { proxmox: rig.sim.client, provision: rig.provision },
    });
    const say = (text: string) =>
      h!.dispatcher.onCommand({
        actor: consoleActor("alice"),
        conversation: CONVERSATION,
        text,
        requestId: `r-${text}`,
      });
    expect((await say("vm stop 103")).title).toBe("Approval requested");
    expect((await say("vm delete 103")).title).toBe("Approval requested");
    expect(rig.sim.sim.state.vms.get(103)!.status).toBe("running");
    expect((await say("vm start 102")).text).toMatch(/started/);
    expect((await say("vm 102")).title).toMatch(/build01/);
  });
});
