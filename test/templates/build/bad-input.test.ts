import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { templateBuildArgs } from "../../../src/commands/template-build.js";
import { UserError } from "../../../src/services/errors.js";
import { type Rig, startRig } from "./rig.js";

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ worker: false });
  await rig.deps.reservations.reserve(9005, "another-build", 60_000);
});
afterAll(async () => {
  await rig.close();
});

async function refusal(work: Promise<unknown>): Promise<UserError> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  return err as UserError;
}

describe("bad build input is refused before anything is created", () => {
  it.each([
    ["a VMID below the range", { vmid: 150 }, "E_ARGS", /VMID 150 is outside the template range 9000–9999/],
    ["a VMID above the range", { vmid: 10_000 }, "E_ARGS", /outside the template range/],
    ["a VMID already taken", { vmid: 9001 }, "E_ARGS", /VMID 9001 is already taken/],
    ["a VMID reserved by another build", { vmid: 9005 }, "E_ARGS", /reserved by another template build/],
    ["an unknown node", { node: "pve9" }, "E_ARGS", /unknown node "pve9"; nodes: pve1, pve2, pve3/],
    [
      "an unknown storage",
      { storage: "fast-ssd" },
      "E_ARGS",
      // The documented token sees only the storages docs/PROXMOX.md grants it.
      /unknown storage "fast-ssd" on pve1; storages for VM disks there: local-lvm \(images,rootdir\)$/,
    ],
    ["a storage without VM disks", { storage: "local" }, "E_ARGS", /does not hold VM disks/],
    ["an unknown image storage", { imageStorage: "nope" }, "E_ARGS", /unknown image storage "nope" on pve1/],
    [
      "an image storage without import content",
      { imageStorage: "local-lvm" },
      "E_CONFIG",
      /storage "local-lvm" does not allow content "import".*pvesm set local-lvm --content images,rootdir,import.*templates\.defaults\.imageStorage.*\(local\)$/,
    ],
    [
      "an unknown ssh key name",
      { sshkey: ["mallory"] },
      "E_ARGS",
      /unknown ssh key "mallory"; configured keys: ops/,
    ],
  ])("%s", async (_what, flags, code, text) => {
    const before = rig.sim.sim.requests.entries.filter((e) => e.method !== "GET").length;
    const err = await refusal(rig.plan("ubuntu-24.04", { node: "pve1", ...flags }));
    expect(err.code).toBe(code);
    expect(err.message).toMatch(text);
    expect(rig.sim.sim.requests.entries.filter((e) => e.method !== "GET").length).toBe(before);
  });

  it("an unknown distro names the closest keys", async () => {
    const err = await refusal(rig.plan("ubuntu-24.4", { node: "pve1" }));
    expect(err.message).toMatch(/unknown distro "ubuntu-24.4"; closest: ubuntu-24.04/);
  });

  it("an aarch64 image on an x86_64 node is refused before any request that changes something", async () => {
    const before = rig.sim.sim.requests.entries.filter((e) => e.method !== "GET").length;
    const err = await refusal(rig.plan("ubuntu-24.04-aarch64", { node: "pve1" }));
    expect(err.code).toBe("E_ARGS");
    expect(err.message).toMatch(/ubuntu-24\.04-aarch64 is an aarch64 image and node "pve1" is x86_64/);
    expect(rig.sim.sim.requests.entries.filter((e) => e.method !== "GET").length).toBe(before);
  });

  it("an x86_64 image on an aarch64 node is refused, and the aarch64 image is planned there", async () => {
    const pve3 = rig.sim.sim.state.node("pve3");
    pve3.arch = "aarch64";
    try {
      const err = await refusal(rig.plan("debian-12", { node: "pve3" }));
      expect(err.message).toMatch(/debian-12 is an x86_64 image and node "pve3" is aarch64/);
      await expect(rig.plan("debian-12-aarch64", { node: "pve3" })).resolves.toMatchObject({
        distro: "debian-12-aarch64",
        node: "pve3",
      });
    } finally {
      delete pve3.arch;
    }
  });

  it.each(["a..b", "a.-b", "-web", "web-", "tpl_web", "a".repeat(254)])(
    "the template name %s is refused: PVE's dns-name format",
    async (name) => {
      const err = await refusal(rig.plan("ubuntu-24.04", { node: "pve1", name }));
      expect(err.message).toMatch(/invalid template name .*DNS name/);
      const parsed = templateBuildArgs.safeParse({ distros: ["ubuntu-24.04"], name });
      expect(parsed.success).toBe(false);
    },
  );

  it("a dotted name like tpl-web.v2 is a valid dns-name", async () => {
    expect(templateBuildArgs.safeParse({ distros: ["ubuntu-24.04"], name: "tpl-web.v2" }).success).toBe(true);
    await expect(rig.plan("ubuntu-24.04", { node: "pve1", name: "tpl-web.v2" })).resolves.toMatchObject({
      name: "tpl-web.v2",
    });
  });
});
