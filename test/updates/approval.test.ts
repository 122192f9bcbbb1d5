/** What the approval of `update apply` shows and binds to: the expanded VMs. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { deleteKeysWithPrefix } from "../../src/adapters/store/redis.js";
import { ALL_COMMANDS } from "../../src/commands/index.js";
import { updateApply } from "../../src/commands/update-apply.js";
import { CONVERSATION, consoleActor, createHarness } from "../helpers/dispatcher-harness.js";
import { addGuest, startUpdateSim, type UpdateSim, updateContext } from "./helpers.js";

let u: UpdateSim;
beforeEach(async () => {
  u = await startUpdateSim();
});
afterEach(async () => {
  u.t.expectSchemaValid();
  await u.close();
});

describe("update apply approval", () => {
  it("is destructive and resolves to the expanded VM list, skips included", async () => {
    expect(updateApply.destructive).toBe(true);
    addGuest(u.t, { vmid: 300, name: "web-a", tags: ["web"], ctime: 1_764_000_000 });
    addGuest(u.t, { vmid: 301, name: "web-b", tags: ["web"], node: "pve2", ctime: 1_764_000_100 });
    addGuest(u.t, { vmid: 302, name: "web-c", tags: ["web"], status: "stopped" });
    const target = await updateApply.resolve!(updateContext(u), { target: ["tag:web"] });
    expect(target.identity).toBe("300:web-a:ctime=1764000000,301:web-b:ctime=1764000100");
    expect(target.fields).toEqual([
      { label: "Target", value: "tag:web" },
      { label: "VMs", value: "2 to update, 1 skipped" },
    ]);
    expect(target.table!.rows).toEqual([
      ["300 web-a", "pve1", "web", "update"],
      ["301 web-b", "pve2", "web", "update"],
      ["302 web-c", "pve1", "", "skip: stopped: the guest agent needs a running VM"],
    ]);
  });

  it("binds to the VMs: a VM joining the tag or recreated under the same id changes the identity", async () => {
    addGuest(u.t, { vmid: 300, name: "web-a", tags: ["web"], ctime: 1_764_000_000 });
    const before = await updateApply.resolve!(updateContext(u), { target: ["tag:web"] });
    addGuest(u.t, { vmid: 303, name: "web-d", tags: ["web"] });
    const joined = await updateApply.resolve!(updateContext(u), { target: ["tag:web"] });
    expect(joined.identity).not.toBe(before.identity);
    u.t.sim.state.vms.delete(303);
    addGuest(u.t, { vmid: 300, name: "web-a2", tags: ["web"], ctime: 1_764_000_000 });
    const renamed = await updateApply.resolve!(updateContext(u), { target: ["tag:web"] });
    expect(renamed.identity).toBe("300:web-a2:ctime=1764000000");
  });

  it("tells a VM deleted and recreated under the same id and name from the one approved", async () => {
    addGuest(u.t, { vmid: 300, name: "web-a", tags: ["web"], ctime: 1_764_000_000 });
    const before = await updateApply.resolve!(updateContext(u), { target: ["300"] });
    const again = await updateApply.resolve!(updateContext(u), { target: ["300"] });
    expect(again.identity).toBe(before.identity);
    // Destroyed and created again: qemu-server writes a new ctime, nothing else the bot reads changes.
    u.t.sim.state.vms.delete(300);
    addGuest(u.t, { vmid: 300, name: "web-a", tags: ["web"], ctime: 1_764_086_400 });
    const recreated = await updateApply.resolve!(updateContext(u), { target: ["300"] });
    expect(recreated.identity).not.toBe(before.identity);
    expect(recreated.identity).toBe("300:web-a:ctime=1764086400");
  });

  it("reads no more from PVE for the creation time than before: one config read per VM", async () => {
    addGuest(u.t, { vmid: 300, name: "web-a", tags: ["web"] });
    addGuest(u.t, { vmid: 301, name: "web-b", tags: ["web"] });
    u.t.sim.requests.clear();
    await updateApply.resolve!(updateContext(u), { target: ["tag:web"] });
    expect(u.t.sim.requests.count("GET", "/nodes/pve1/qemu/300/config")).toBe(1);
    expect(u.t.sim.requests.count("GET", "/nodes/pve1/qemu/301/config")).toBe(1);
    expect(u.t.sim.requests.count("GET", /\/qemu\/\d+\/config$/)).toBe(2);
  });

  it("answers E_NOT_FOUND, with the reasons, when nothing can be updated", async () => {
    await expect(updateApply.resolve!(updateContext(u), { target: ["102", "9000"] })).rejects.toMatchObject({
      code: "E_NOT_FOUND",
      message: expect.stringContaining("9000 tmpl-debian-12: template: templates are never updated"),
    });
  });
});

describe("update apply through the dispatcher", () => {
  it("shows the expanded VMs on the card and refuses to run once the tag expands to other VMs", async () => {
    addGuest(u.t, { vmid: 300, name: "web-a", tags: ["web"] });
    addGuest(u.t, { vmid: 301, name: "web-b", tags: ["web"], node: "pve2" });
    const h = await createHarness({
      commands: [...ALL_COMMANDS],
      rbac: {
        bindings: [
          { role: "operator", subjects: ["console:user:alice"] },
          { role: "approver", subjects: ["console:user:bob"] },
        ],
        channels: {},
      },
      services: { proxmox: u.t.client, updates: u.deps },
    });
    try {
      const asked = await h.dispatcher.onCommand({
        actor: consoleActor("alice"),
        conversation: CONVERSATION,
        text: "update apply tag:web",
        requestId: "r-apply",
      });
      expect(asked.title).toBe("Approval requested");
      const [request] = await h.approvals.listPending();
      const card = h.notifier.latest(request!.message!.messageId)!;
      expect(card.fields?.slice(0, 2)).toEqual([
        { label: "Target", value: "tag:web" },
        { label: "VMs", value: "2 to update, 0 skipped" },
      ]);
      expect(card.table?.rows.map((r) => r[0])).toEqual(["300 web-a", "301 web-b"]);

      // A third VM joins the tag before anyone approves: the approval was for two VMs, not three.
      addGuest(u.t, { vmid: 302, name: "web-c", tags: ["web"] });
      const ran = await h.dispatcher.onAction({
        actor: consoleActor("bob"),
        conversation: CONVERSATION,
        message: request!.message!,
        actionId: `approval:${request!.id}:approve`,
        requestId: "c-apply",
      });
      expect(ran?.errorCode).toBe("E_TARGET_CHANGED");
      expect(u.t.sim.state.vms.get(300)!.snapshots).toEqual([]);
    } finally {
      await deleteKeysWithPrefix(h.redis, h.prefix);
      await h.close();
    }
  });
});
