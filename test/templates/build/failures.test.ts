import { afterEach, describe, expect, it } from "vitest";
import { RedisVmidReservations } from "../../../src/adapters/store/vmid-reservations.js";
import type { Reply } from "../../../src/services/vocabulary/reply.js";
import { leftovers, type Rig, startRig, vmsInRange } from "./rig.js";

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

function finalCard(r: Rig): Reply {
  const reply = r.jobs.chat.edits.at(-1)?.reply;
  if (!reply) throw new Error("no card edit");
  return reply;
}

type Fault = (r: Rig) => Promise<void> | void;

const STEPS: [step: string, inject: Fault, expectText: RegExp][] = [
  [
    "check",
    (r) => {
      const entry = r.deps.catalog.get("ubuntu-24.04")!;
      if ("url" in entry.checksum) r.mirror.fail(entry.checksum.url, 404);
    },
    /SHA256SUMS.*404|404.*SHA256SUMS/,
  ],
  [
    "image",
    (r) => r.sim.sim.faults.failNextTask({ type: "download", exitstatus: "download failed: 404 Not Found" }),
    /404 Not Found/,
  ],
  [
    "vmid",
    async (r) => {
      const other = new RedisVmidReservations(r.redis, r.prefix);
      for (let vmid = 9002; vmid <= 9004; vmid++) await other.reserve(vmid, "someone-else", 60_000);
    },
    /no free VMID/,
  ],
  [
    "create",
    (r) =>
      r.sim.sim.faults.failNextTask({
        type: "qmcreate",
        exitstatus: "import failed: no space left on device",
      }),
    /no space left/,
  ],
  [
    "resize",
    (r) =>
      r.sim.sim.faults.failNextTask({
        type: "resize",
        exitstatus: "lvextend failed: insufficient free space",
      }),
    /insufficient free space/,
  ],
  [
    "template",
    (r) =>
      r.sim.sim.faults.failNextTask({ type: "qmtemplate", exitstatus: "rename volume failed: device busy" }),
    /device busy/,
  ],
  [
    "tag",
    (r) =>
      r.sim.sim.faults.failNext({
        method: "PUT",
        path: /^\/nodes\/pve1\/qemu\/\d+\/config$/,
        status: 403,
        message: "Permission check failed (/vms/9002, VM.Config.Options)",
      }),
    /Permission check failed/,
  ],
  [
    "verify",
    (r) =>
      r.sim.sim.faults.failNext({
        method: "GET",
        path: /^\/nodes\/pve1\/qemu\/\d+\/config$/,
        status: 403,
        message: "Permission check failed (/vms, VM.Audit)",
        // The tag stage reads the config first; the verify stage's read is the second.
        skip: 1,
      }),
    /Permission check failed/,
  ],
];

describe("a failure at any step leaves nothing behind", () => {
  it.each(STEPS)(
    "fails at %s: reports the step and PVE's message, removes the VM, frees VMID and slots",
    async (step, inject, text) => {
      rig = await startRig({ config: { vmidRange: { min: 9000, max: 9004 } } });
      await inject(rig);
      const info = await rig.build("ubuntu-24.04", { node: "pve1" });
      expect(info?.state).toBe("failed");
      const card = finalCard(rig);
      expect(card.text).toMatch(text);
      // The step is named once, in the text, not again as a field.
      expect(card.fields?.map((f) => f.label)).not.toContain("Failed step");
      const labels: Record<string, string> = {
        check: "check node",
        image: "download or reuse",
        vmid: "reserve a VMID",
        create: "create the VM",
        tag: "tag the VM",
        resize: "resize the disk",
        template: "convert to a template",
        verify: "confirm template",
      };
      expect(card.text).toContain(labels[step]);
      if (["image", "create", "resize", "template"].includes(step)) expect(card.code).toMatch(/TASK ERROR/);
      expect(vmsInRange(rig).map((v) => v.vmid)).toEqual([9000, 9001]);
      expect(await leftovers(rig)).toEqual([]);
      if (["tag", "resize", "template", "verify"].includes(step)) {
        expect(rig.sim.sim.requests.filter("DELETE", /^\/nodes\/pve1\/qemu\/\d+$/)[0]?.query).toMatchObject({
          purge: "1",
        });
        expect(JSON.stringify(card.fields)).toMatch(/VM 900\d/);
      }
    },
  );

  it("moves to the next VMID when someone else created the reserved one meanwhile", async () => {
    rig = await startRig();
    rig.sim.sim.faults.failNext({
      method: "POST",
      path: "/nodes/pve1/qemu",
      status: 500,
      message: "unable to create VM 9002 - VM 9002 already exists on node 'pve2'",
    });
    const info = await rig.build("ubuntu-24.04", { node: "pve1" });
    expect(info?.state).toBe("completed");
    expect(vmsInRange(rig).map((v) => v.vmid)).toEqual([9000, 9001, 9003]);
  });
});
