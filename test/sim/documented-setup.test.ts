import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SETUP_PVE9, SETUP_PVE84_ROLES, SETUP_READ_ONLY } from "../../src/sim/pve/access/documented-setup.js";
import { runScript } from "../../src/sim/pve/access/shell.js";
import { type PveSimulator, startPveSimulator } from "../../src/sim/pve/index.js";
import { call, documentedAuth, waitTask } from "./client.js";

const DOC = readFileSync(new URL("../../docs/PROXMOX.md", import.meta.url), "utf8");

/** The fenced block right after `<!-- simulator: NAME -->` in docs/PROXMOX.md. */
function docBlock(name: string): string {
  const marker = DOC.indexOf(`<!-- simulator: ${name} -->`);
  expect(marker, `docs/PROXMOX.md has no <!-- simulator: ${name} --> marker`).toBeGreaterThanOrEqual(0);
  const m = /^```sh\n([\s\S]*?)^```$/m.exec(DOC.slice(marker));
  if (!m) throw new Error(`no sh block after the ${name} marker`);
  return m[1]!;
}

describe("docs/PROXMOX.md is what the simulator runs", () => {
  it("holds exactly the simulator's pveum setup for PVE 9, 8.4 and read-only use", () => {
    expect(docBlock("setup-9")).toBe(SETUP_PVE9);
    expect(docBlock("setup-8.4-roles")).toBe(SETUP_PVE84_ROLES);
    expect(docBlock("setup-read-only")).toBe(SETUP_READ_ONLY);
  });

  it("expands the loops into one ACL per user and token, with single-quoted token ids", () => {
    const commands: string[][] = [];
    runScript(SETUP_PVE9, (words) => commands.push(words));
    const acls = commands.filter((w) => w[1] === "acl").map((w) => `${w[3]} ${w[4]} ${w[5]}`);
    expect(acls).toContain("/pool/chatops --users chatops@pve");
    expect(acls).toContain("/pool/chatops --tokens chatops@pve!bot");
    expect(acls.filter((a) => a.startsWith("/nodes/"))).toHaveLength(6);
    expect(acls).toHaveLength(14);
  });

  it("refuses what an interactive shell refuses: `!` inside double quotes", () => {
    expect(() => runScript('pveum acl modify / --tokens "chatops@pve!bot" --roles X', () => {})).toThrow(
      "!bot: event not found",
    );
  });

  it("refuses a role that names a privilege the version does not know", async () => {
    const sim = await startPveSimulator({ tls: false, pveVersion: "8.4", access: "read-only" });
    try {
      expect(() => sim.pveum(SETUP_PVE9.replaceAll("chatops", "other"))).toThrow(
        "invalid privilege 'VM.GuestAgent.Audit'",
      );
    } finally {
      await sim.close();
    }
  });
});

for (const pveVersion of ["9.1", "8.4"] as const) {
  describe(`the default token on PVE ${pveVersion} is the documented one`, () => {
    let sim: PveSimulator;
    beforeAll(async () => {
      sim = await startPveSimulator({ tls: false, pveVersion, defaultTaskDurationMs: 10 });
    });
    afterAll(() => sim.close());

    it("is chatops@pve!bot with privilege separation, its rights granted to both user and token", async () => {
      expect(sim.tokenId).toBe("chatops@pve!bot");
      expect(sim.access.token("chatops@pve!bot")?.privsep).toBe(true);
      const perms = await call(sim, "GET", "/access/permissions", {}, { auth: documentedAuth(sim) });
      expect(Object.keys(perms.json.data["/nodes/pve3"]).sort()).toEqual(["Sys.AccessNetwork", "Sys.Audit"]);
      expect(perms.json.data["/"]).toBeUndefined();
      const agentPriv = pveVersion === "9.1" ? "VM.GuestAgent.Unrestricted" : "VM.Monitor";
      expect(perms.json.data["/pool/chatops"][agentPriv]).toBe(1);
    });

    it("creates VMs only with pool=chatops, and the new VM joins the pool", async () => {
      const auth = { auth: documentedAuth(sim) };
      const vm = { cores: 1, scsi0: "local-lvm:1", net0: "virtio,bridge=vmbr0" };
      const noPool = await call(sim, "POST", "/nodes/pve1/qemu", { vmid: 7100, ...vm }, auth);
      expect([noPool.status, noPool.statusText]).toEqual([403, "Permission check failed"]);
      const withPool = await call(
        sim,
        "POST",
        "/nodes/pve1/qemu",
        { vmid: 7100, pool: "chatops", ...vm },
        auth,
      );
      expect((await waitTask(sim, withPool.json.data)).exitstatus).toBe("OK");
      expect(sim.state.vms.get(7100)?.pool).toBe("chatops");
      const later = await call(
        sim,
        "PUT",
        "/nodes/pve1/qemu/7100/config",
        { tags: "tmpl", memory: "1024" },
        auth,
      );
      expect(later.status).toBe(200);
    });

    it("checks permissions before existence on create", async () => {
      const readOnly = await startPveSimulator({ tls: false, pveVersion, access: "read-only" });
      try {
        const taken = await call(
          readOnly,
          "POST",
          "/nodes/pve1/qemu",
          { vmid: 100, pool: "chatops", cores: 1 },
          { auth: documentedAuth(readOnly) },
        );
        expect([taken.status, taken.statusText]).toEqual([403, "Permission check failed"]);
      } finally {
        await readOnly.close();
      }
      const bot = { auth: documentedAuth(sim) };
      const exists = await call(
        sim,
        "POST",
        "/nodes/pve1/qemu",
        { vmid: 102, pool: "chatops", cores: 1 },
        bot,
      );
      expect(exists.statusText).toBe("unable to create VM 102 - VM 102 already exists on node 'pve2'");
      const noSuchPool = await call(
        sim,
        "POST",
        "/nodes/pve1/qemu",
        { vmid: 7101, pool: "nope", cores: 1 },
        bot,
      );
      expect(noSuchPool.statusText).toBe("Permission check failed (pool 'nope' does not exist)");
    });

    it(`${pveVersion === "9.1" ? "fails" : "accepts"} tags in the create task with pool-only rights`, async () => {
      const create = await call(
        sim,
        "POST",
        "/nodes/pve1/qemu",
        { vmid: 7102, pool: "chatops", cores: 1, scsi0: "local-lvm:1", tags: "tmpl" },
        { auth: documentedAuth(sim) },
      );
      expect(create.status).toBe(200);
      const end = await waitTask(sim, create.json.data);
      if (pveVersion === "9.1") {
        expect(end.exitstatus).toBe(
          "unable to create VM 7102 - Permission check failed (/vms/7102, VM.Config.Options)",
        );
        expect(sim.state.vms.has(7102)).toBe(false);
        expect(sim.state.volumes.some((v) => v.vmid === 7102)).toBe(false);
      } else {
        expect(end.exitstatus).toBe("OK");
      }
    });
  });
}

describe("the read-only setup (ChatOpsRead) covers the inventory commands", () => {
  let sim: PveSimulator;
  beforeAll(async () => {
    sim = await startPveSimulator({ tls: false, access: "read-only", defaultTaskDurationMs: 10 });
  });
  afterAll(() => sim.close());

  it("reads nodes, VMs, a VM, storage and others' tasks, and changes nothing", async () => {
    const auth = { auth: documentedAuth(sim) };
    const reads = [
      "/nodes",
      "/nodes/pve1/status",
      "/cluster/resources",
      "/nodes/pve1/qemu",
      "/nodes/pve1/qemu/100/config",
      "/nodes/pve1/qemu/100/status/current",
      "/nodes/pve1/qemu/100/snapshot",
      "/nodes/pve1/storage",
      "/nodes/pve1/storage/local/content",
      "/nodes/pve1/tasks",
    ];
    for (const path of reads) {
      const res = await call(sim, "GET", path, {}, auth);
      expect([path, res.status]).toEqual([path, 200]);
    }
    const foreign = await call(sim, "POST", "/nodes/pve1/qemu/100/status/stop");
    const task = await call(sim, "GET", `/nodes/pve1/tasks/${foreign.json.data}/status`, {}, auth);
    expect(task.status).toBe(200);
    const stop = await call(sim, "POST", "/nodes/pve1/qemu/101/status/stop", {}, auth);
    expect(stop.statusText).toBe("Permission check failed (/vms/101, VM.PowerMgmt)");
    const create = await call(sim, "POST", "/nodes/pve1/qemu", { vmid: 7200, pool: "chatops" }, auth);
    expect(create.statusText).toBe("Permission check failed");
  });
});
