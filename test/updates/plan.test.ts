import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { updatePlan } from "../../src/commands/update-plan.js";
import { UserError } from "../../src/services/errors.js";
import { planVms } from "../../src/services/updates/plan.js";
import { expandTargets, parseTargets } from "../../src/services/updates/targets.js";
import { addGuest, startUpdateSim, type UpdateSim, updateContext } from "./helpers.js";

let u: UpdateSim;
beforeEach(async () => {
  u = await startUpdateSim();
});
afterEach(async () => {
  u.t.expectSchemaValid();
  await u.close();
});

describe("target expansion", () => {
  it("refuses a malformed target before reading anything", () => {
    expect(() => parseTargets(["vm:100"])).toThrow(/unknown target kind "vm:"/);
    expect(() => parseTargets(["42"])).toThrow(/outside 100-999999999/);
    expect(() => parseTargets(["tag:"])).toThrow(UserError);
    expect(u.t.sim.requests.entries).toHaveLength(0);
    // expectSchemaValid wants at least one request
    return u.t.client.version();
  });

  it("expands ids, names, tags, pools and nodes; lists templates, stopped and invisible VMs as skipped", async () => {
    addGuest(u.t, { vmid: 300, name: "web-a", tags: ["web"], node: "pve1" });
    addGuest(u.t, { vmid: 301, name: "web-b", tags: ["web"], node: "pve2" });
    addGuest(u.t, { vmid: 302, name: "db-a", node: "pve3" });
    const all = await expandTargets(
      u.t.client,
      parseTargets(["tag:web,db-a", "pool:chatops", "100", "nosuch", "tag:none"]),
      { need: "plan" },
    );
    expect(all.vms.map((v) => v.vmid)).toEqual([103, 300, 301, 302]);
    const reasons = Object.fromEntries(all.skipped.map((s) => [s.target, s.reason]));
    expect(reasons["102 build01"]).toMatch(/^stopped/);
    expect(reasons["9000 tmpl-debian-12"]).toMatch(/^template/);
    expect(reasons["9001 tmpl-ubuntu-2404"]).toMatch(/^template/);
    // VM 100 exists but lies outside the bot's pool: the token cannot see it.
    expect(reasons["100"]).toMatch(/may not see it/);
    expect(reasons.nosuch).toMatch(/no such VM/);
    expect(reasons["tag:none"]).toMatch(/matches no VM/);
    const byNode = await expandTargets(u.t.client, parseTargets(["node:pve2"]), { need: "plan" });
    expect(byNode.vms.map((v) => v.vmid)).toEqual([301]);
  });

  it("skips a VM whose agent does not answer and, for apply, one on storage that cannot snapshot", async () => {
    addGuest(u.t, { vmid: 310, name: "noagent" });
    u.t.sim.state.vms.get(310)!.config.agent = "enabled=0";
    addGuest(u.t, { vmid: 311, name: "thick", disk: "local:311/vm-311-disk-0.raw" });
    const plan = await expandTargets(u.t.client, parseTargets(["310", "311"]), { need: "plan" });
    expect(plan.vms.map((v) => v.vmid)).toEqual([311]);
    expect(plan.skipped[0]).toMatchObject({
      vmid: 310,
      reason: "guest agent: QEMU guest agent is not running",
    });
    const apply = await expandTargets(u.t.client, parseTargets(["311"]), { need: "apply" });
    expect(apply.vms).toEqual([]);
    expect(apply.skipped[0]!.reason).toBe("storage local (dir, not qcow2) cannot take snapshots");
  });

  it("skips a VM the token sees but may not update, naming the missing privilege", async () => {
    addGuest(u.t, { vmid: 320, name: "audit-only", pool: "prod" });
    u.t.sim.pveum(
      "pveum acl modify /vms/320 --tokens 'chatops@pve!bot' --roles PVEAuditor\npveum acl modify /vms/320 --users chatops@pve --roles PVEAuditor",
    );
    const e = await expandTargets(u.t.client, parseTargets(["320"]), { need: "apply" });
    expect(e.vms).toEqual([]);
    expect(e.skipped[0]!.reason).toMatch(
      /no permission: .*VM\.GuestAgent\.Unrestricted or VM\.Monitor, VM\.Snapshot, VM\.PowerMgmt on \/vms\/320/,
    );
  });
});

describe("update plan", () => {
  it("lists pending updates per package manager with security and reboot state", async () => {
    addGuest(u.t, { vmid: 400, os: "debian", name: "deb" });
    addGuest(u.t, {
      vmid: 401,
      os: "rocky",
      name: "rocky",
      packages: [
        { name: "kernel", version: "5.14.0-503", available: "5.14.0-570.el9", security: true },
        { name: "postgresql-server", version: "16.8-1.el9", available: "16.9-1.el9" },
      ],
    });
    addGuest(u.t, {
      vmid: 402,
      os: "opensuse",
      name: "suse",
      packages: [{ name: "libopenssl3", version: "3.1.4-5.24.1", available: "3.1.4-5.27.1", security: true }],
    });
    addGuest(u.t, {
      vmid: 403,
      os: "alpine",
      name: "alp",
      packages: [{ name: "busybox", version: "1.37.0-r12", available: "1.37.0-r13" }],
    });
    addGuest(u.t, {
      vmid: 404,
      os: "arch",
      name: "arch",
      packages: [{ name: "linux", version: "6.16.7.arch1-1", available: "6.16.8.arch1-1" }],
    });
    u.t.sim.state.vms.get(400)!.guest.rebootRequired = true;
    const e = await expandTargets(u.t.client, parseTargets(["400", "401", "402", "403", "404"]), {
      need: "plan",
    });
    const plans = await planVms(u.deps, e.vms);
    const by = Object.fromEntries(plans.map((p) => [p.vm.vmid, p]));
    expect(by[400]).toMatchObject({
      manager: "apt",
      rebootRequired: true,
      os: "Debian GNU/Linux 12 (bookworm)",
    });
    expect(by[400]!.pending).toEqual([
      { name: "nginx", from: "1.24.0-1", to: "1.24.0-2", security: false },
      { name: "openssl", from: "3.0.16-1", to: "3.0.17-1", security: true },
    ]);
    expect(by[401]).toMatchObject({ manager: "dnf", rebootRequired: false });
    expect(by[401]!.pending.map((p) => [p.name, p.security])).toEqual([
      ["kernel", true],
      ["postgresql-server", false],
    ]);
    expect(by[402]!.pending).toEqual([
      { name: "libopenssl3", from: "3.1.4-5.24.1", to: "3.1.4-5.27.1", security: true },
    ]);
    expect(by[402]!.rebootRequired).toBe(false);
    expect(by[403]).toMatchObject({
      manager: "apk",
      pending: [{ name: "busybox", to: "1.37.0-r13", security: false }],
    });
    expect(by[403]!.rebootRequired).toBeUndefined();
    expect(by[404]).toMatchObject({ manager: "pacman", rebootRequired: true, pending: [{ name: "linux" }] });
    // A plan changes nothing in the guests.
    expect(u.t.sim.state.vms.get(400)!.guest.packages.find((p) => p.name === "openssl")!.available).toBe(
      "3.0.17-1",
    );
  });

  it("answers one table with every VM and the skipped ones", async () => {
    addGuest(u.t, { vmid: 410, name: "deb" });
    const reply = await updatePlan.run(updateContext(u), { target: ["410", "102"] });
    expect(reply.text).toBe("1 VM planned, 1 skipped: 2 pending updates, 1 security.");
    expect(reply.table!.rows).toEqual([
      ["410 deb", "pve1", "Debian GNU/Linux 12 (bookworm)", "apt", "2", "1", "no", "nginx openssl*"],
      ["102 build01", "pve2", "", "", "-", "-", "-", "skipped: stopped: the guest agent needs a running VM"],
    ]);
  });
});
