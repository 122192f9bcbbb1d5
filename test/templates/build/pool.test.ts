/**
 * The requests a build makes so that it works with pool-scoped rights: create carries `pool` and no tags,
 * the tags follow in a config PUT, and the disk is resized only when the configured size is larger than
 * the imported disk.
 */
import { afterEach, describe, expect, it } from "vitest";
import { UserError } from "../../../src/services/errors.js";
import { templatesConfigSchema } from "../../../src/services/templates/build/config.js";
import { planBuild } from "../../../src/services/templates/build/plan.js";
import { importFilename } from "../../../src/services/templates/catalog/catalog.js";
import { planRefresh } from "../../../src/services/templates/lifecycle/refresh.js";
import { leftovers, type Rig, startRig, vmsInRange } from "./rig.js";

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const GIB = 1024 ** 3;
const CONFIG = /^\/nodes\/pve1\/qemu\/\d+\/config$/;

function requestOrder(r: Rig): string[] {
  return r.sim.sim.requests.entries
    .filter((e) => e.method !== "GET" && !e.path.includes("download-url"))
    .map((e) => `${e.method} ${e.path.replace(/\d{4}/, "N")}`);
}

describe("template build requests", () => {
  it("creates in the configured pool without tags, then tags with a config PUT and grows the disk", async () => {
    rig = await startRig();
    const info = await rig.build("ubuntu-24.04", { node: "pve1", disk: 16 });
    expect(info?.state).toBe("completed");
    rig.sim.expectSchemaValid();
    const create = rig.sim.sim.requests.filter("POST", "/nodes/pve1/qemu")[0]!;
    expect(create.body.pool).toBe("chatops");
    expect(create.body.tags).toBeUndefined();
    const put = rig.sim.sim.requests.filter("PUT", CONFIG);
    expect(put).toHaveLength(1);
    expect(String(put[0]!.body.tags).split(";").sort()).toEqual(["chatops-tpl", "tpl-ubuntu-24.04"]);
    expect(requestOrder(rig)).toEqual([
      "POST /nodes/pve1/qemu",
      "PUT /nodes/pve1/qemu/N/config",
      "PUT /nodes/pve1/qemu/N/resize",
      "POST /nodes/pve1/qemu/N/template",
    ]);
    const vmid = Number(create.body.vmid);
    expect(rig.sim.sim.state.vms.get(vmid)?.pool).toBe("chatops");
    const card = JSON.stringify(rig.jobs.chat.edits.at(-1)?.reply.fields);
    expect(card).toMatch(/"Disk","value":"16 GiB \(grown from [\d.]+ GiB\)"/);
  });

  it("keeps a disk the image already made larger than the configured size, and says so", async () => {
    rig = await startRig();
    const entry = rig.deps.catalog.get("ubuntu-24.04")!;
    const filename = importFilename(entry, rig.mirror.checksumFor("ubuntu-24.04"));
    rig.sim.sim.state.addVolume({
      volid: `local:import/${filename}`,
      storage: "local",
      node: "pve1",
      content: "import",
      format: "qcow2",
      size: 3 * GIB,
      ctime: 1_764_000_000,
    });
    const info = await rig.build("ubuntu-24.04", { node: "pve1", disk: 2 });
    expect(info?.state).toBe("completed");
    expect(rig.sim.sim.requests.count("PUT", /\/resize$/)).toBe(0);
    const built = vmsInRange(rig).filter((v) => v.name.startsWith("tpl-ubuntu"));
    expect(String(rig.sim.sim.state.vms.get(built[0]!.vmid)?.config.scsi0)).toMatch(/size=3G/);
    const card = JSON.stringify(rig.jobs.chat.edits.at(-1)?.reply.fields);
    expect(card).toContain(
      "3 GiB, kept at the image's size (configured 2 GiB is not larger; disks never shrink)",
    );
  });

  it("names templates.pool when Proxmox does not know the pool, and leaves nothing behind", async () => {
    // With the documented token the preflight already refuses (no rights on an unknown pool); a root
    // token, asked for by name, gets as far as the create, which PVE refuses.
    rig = await startRig({ config: { pool: "nope" }, sim: { rootToken: "pool-test" } });
    const info = await rig.build("debian-12", { node: "pve1" });
    expect(info?.state).toBe("failed");
    const text = rig.jobs.chat.edits.at(-1)?.reply.text ?? "";
    expect(text).toContain('templates.pool: Proxmox refused it: the pool "nope" does not exist');
    expect(vmsInRange(rig).map((v) => v.vmid)).toEqual([9000, 9001]);
  });

  it("refuses at planning, naming templates.pool, when the token holds no VM.Allocate on the pool", async () => {
    rig = await startRig();
    const guest = ["VM.Allocate", "VM.Audit", "VM.Config.Disk", "VM.Config.Options"];
    const token = rig.sim.sim.addToken({
      tokenId: "limited@pve!bot",
      acl: [
        { path: "/pool/chatops", privs: guest, propagate: true },
        { path: "/storage", privs: ["Datastore.Audit", "Datastore.AllocateSpace"], propagate: true },
        { path: "/nodes", privs: ["Sys.Audit"], propagate: true },
        { path: "/vms", privs: ["VM.Audit"], propagate: true },
      ],
    });
    const proxmox = rig.sim.clientFor(token.tokenId, token.secret);
    const plan = (pool: string) =>
      planBuild(
        {
          ...rig!.deps,
          proxmox,
          config: templatesConfigSchema.parse({ pool, defaultNode: "pve1" }),
        },
        { distro: "debian-12", flags: {}, requestedBy: "console:alice (Alice)" },
      );
    await expect(plan("chatops")).resolves.toMatchObject({ pool: "chatops" });
    const refused = await plan("elsewhere").catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UserError);
    expect((refused as UserError).code).toBe("E_CONFIG");
    expect((refused as UserError).message).toMatch(
      /^templates\.pool: the API token has no VM\.Allocate on \/pool\/elsewhere: the pool "elsewhere" does not exist/,
    );
    expect(rig.sim.sim.requests.count("POST", "/nodes/pve1/qemu")).toBe(0);
    const refresh = planRefresh(
      { ...rig.deps, proxmox, config: templatesConfigSchema.parse({ pool: "elsewhere" }) },
      { distros: ["debian-12"], all: false, requestedBy: "schedule" },
    );
    await expect(refresh).rejects.toThrow(
      /^templates\.pool: the API token has no VM\.Allocate on \/pool\/elsewhere/,
    );
  });

  describe("with the documented token, whose VM rights come only from the pool", () => {
    it("cleans up after a failed create: the VM PVE removed answers 403, which counts as gone", async () => {
      rig = await startRig();
      expect(rig.sim.sim.tokenId).toBe("chatops@pve!bot");
      rig.sim.sim.faults.failNextTask({
        type: "qmcreate",
        exitstatus: "import failed: no space left on device",
      });
      const info = await rig.build("debian-12", { node: "pve1" });
      expect(info?.state).toBe("failed");
      const card = rig.jobs.chat.edits.at(-1)?.reply;
      expect(card?.text).toMatch(/no space left on device/);
      expect(card?.fields?.find((f) => f.label === "Cleanup")?.value).toBe("done, nothing was left");
      expect(
        rig.sim.sim.requests.filter("GET", /^\/nodes\/pve1\/qemu\/\d+\/config$/).map((e) => e.status),
      ).toContain(403);
      expect(vmsInRange(rig).map((v) => v.vmid)).toEqual([9000, 9001]);
      expect(await leftovers(rig)).toEqual([]);
    });
  });
});
