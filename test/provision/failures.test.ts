/**
 * A failure at each step of `vm create` leaves nothing behind (no VM, no reservation) and the card says
 * which step failed and why; `--keep-on-failure` keeps the VM for a look instead.
 */
import { afterEach, describe, expect, it } from "vitest";
import { RedisVmidReservations } from "../../src/adapters/store/vmid-reservations.js";
import type { CommandDefinition } from "../../src/commands/definition.js";
import { vmCreate } from "../../src/commands/vm-create.js";
import { leftovers } from "../templates/build/rig.js";
import { cardText, type ProvisionRig, startProvisionRig } from "./rig.js";

let rig: ProvisionRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const create = vmCreate as CommandDefinition;

async function runCreate(r: ProvisionRig, args: Record<string, unknown>) {
  const reply = await create.run(r.ctx(), args as never);
  return r.jobs.queue.waitUntilFinished(reply.jobId!, 30_000);
}

const PROFILES = {
  broken: {
    postBoot: [
      { name: "update", run: "apt-get update && apt-get -y upgrade" },
      { name: "check", run: "echo checking the setup; echo port 6443 closed; exit 3" },
    ],
  },
  ok: { postBoot: [{ name: "check", run: "echo fine; exit 3", expectExit: [0, 3] }] },
};

type Fault = (r: ProvisionRig) => void;
const STEPS: [step: string, inject: Fault, reason: RegExp, args?: Record<string, unknown>][] = [
  [
    "clone",
    (r) => r.sim.sim.faults.failNextTask({ type: "qmclone", exitstatus: "copy failed: no space left" }),
    /no space left/,
  ],
  [
    "configure",
    (r) =>
      r.sim.sim.faults.failNext({
        method: "PUT",
        path: /^\/nodes\/pve1\/qemu\/\d+\/config$/,
        status: 500,
        message: "unable to parse value of 'ipconfig0'",
      }),
    /unable to parse value/,
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
    "start",
    (r) => r.sim.sim.faults.failNextTask({ type: "qmstart", exitstatus: "kvm: failed to allocate memory" }),
    /failed to allocate memory/,
  ],
  [
    "postboot",
    () => undefined,
    /post-boot step check on web .*exited with 3.*\n[\s\S]*port 6443 closed/,
    { profile: "broken" },
  ],
];

describe("vm create failures", () => {
  it.each(STEPS)("a failure at %s removes the VM and says why", async (step, inject, reason, extra = {}) => {
    rig = await startProvisionRig({ provision: { profiles: PROFILES } });
    inject(rig);
    const info = await runCreate(rig, { name: "web", from: "9000", disk: "8G", start: true, ...extra });
    expect(info?.state).toBe("failed");
    const card = cardText(rig.finalCard());
    expect(card).toMatch(reason);
    expect(card).toMatch(/removed VM \d+ \(web\)|nothing was left/);
    expect(card.toLowerCase()).toContain(
      step === "postboot" ? "post-boot" : step === "configure" ? "configure" : step,
    );
    expect(rig.created()).toEqual([]);
    expect(await leftovers(rig)).toEqual([]);
  });

  it("a guest agent that never answers fails at the agent step and removes the VM", async () => {
    rig = await startProvisionRig({
      sim: { agentStartDelayMs: 60_000 },
      provision: { agentTimeout: "300ms" },
    });
    const info = await runCreate(rig, { name: "web", from: "9000", start: true });
    expect(info?.state).toBe("failed");
    expect(cardText(rig.finalCard())).toMatch(/gave no IPv4 address within/);
    expect(rig.created()).toEqual([]);
  });

  it("no free VMID fails the first step with nothing made and nothing held", async () => {
    rig = await startProvisionRig({ provision: { vmidRange: { min: 1000, max: 1001 } } });
    const other = new RedisVmidReservations(rig.redis, rig.prefix);
    await other.reserve(1001, "someone-else", 60_000);
    const info = await runCreate(rig, { name: "node", from: "9000", count: 2 });
    expect(info?.state).toBe("failed");
    expect(cardText(rig.finalCard())).toMatch(/no free VMID left in 1000–1001/);
    expect(rig.created()).toEqual([]);
    expect(await leftovers(rig)).toEqual([]);
  });

  it("a VM stopped behind the job's back fails the agent step at once", async () => {
    rig = await startProvisionRig({ sim: { agentStartDelayMs: 60_000 }, provision: { agentTimeout: "1m" } });
    const reply = await create.run(rig.ctx(), { name: "web", from: "9000", start: true } as never);
    const sim = rig.sim.sim;
    const deadline = Date.now() + 10_000;
    while (![...sim.state.vms.values()].some((v) => v.vmid >= 1000 && v.status === "running")) {
      if (Date.now() > deadline) throw new Error("the VM never started");
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const vm of sim.state.vms.values()) if (vm.vmid >= 1000 && vm.vmid < 9000) vm.status = "stopped";
    const started = Date.now();
    const info = await rig.jobs.queue.waitUntilFinished(reply.jobId!, 30_000);
    expect(info?.state).toBe("failed");
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(cardText(rig.finalCard())).toMatch(/is not running/);
    expect(rig.created()).toEqual([]);
  });

  it("a task failing on a lock held by another task is started again by the job's retry", async () => {
    rig = await startProvisionRig({ attempts: 3 });
    rig.sim.sim.faults.failNextTask({ type: "qmstart", exitstatus: "VM is locked (backup)" });
    rig.sim.sim.faults.failNextTask({ type: "qmclone", exitstatus: "VM is locked (backup)" });
    const info = await runCreate(rig, { name: "web", from: "9000", start: true });
    expect(info?.state).toBe("completed");
    expect(rig.sim.sim.requests.count("POST", /\/clone$/)).toBe(2);
    expect(rig.sim.sim.requests.count("POST", /\/status\/start$/)).toBe(2);
    expect(rig.created().map((v) => [v.name, v.status])).toEqual([["web", "running"]]);
  });

  it("--keep-on-failure keeps the VM and says so", async () => {
    rig = await startProvisionRig({ provision: { profiles: PROFILES } });
    const info = await runCreate(rig, { name: "web", from: "9000", profile: "broken", keepOnFailure: true });
    expect(info?.state).toBe("failed");
    expect(cardText(rig.finalCard())).toMatch(/kept for --keep-on-failure/);
    expect(rig.created().map((v) => v.name)).toEqual(["web"]);
    expect(await leftovers(rig)).toEqual([]);
  });

  it("post-boot steps pass on their expected exit codes", async () => {
    rig = await startProvisionRig({ provision: { profiles: PROFILES } });
    const info = await runCreate(rig, { name: "web", from: "9000", profile: "ok" });
    expect(info?.state).toBe("completed");
    expect(String(rig.created()[0]!.config.tags).split(";")).toEqual(
      expect.arrayContaining(["chatops", "ok"]),
    );
  });

  it("a clone whose answer was lost is found at its VMID, not sent again", async () => {
    rig = await startProvisionRig();
    rig.sim.sim.faults.dropConnection({ method: "POST", path: /\/clone$/, when: "after" });
    const info = await runCreate(rig, { name: "web", from: "9000" });
    expect(info?.state).toBe("completed");
    expect(rig.sim.sim.requests.count("POST", /\/clone$/)).toBe(1);
    expect(rig.created().map((v) => v.name)).toEqual(["web"]);
  });

  it("a failure in one VM of --count removes every VM of the job", async () => {
    rig = await startProvisionRig();
    rig.sim.sim.faults.failNextTask({ type: "qmstart", exitstatus: "kvm: failed to allocate memory" });
    const info = await runCreate(rig, { name: "node", from: "9000", count: 4, start: true });
    expect(info?.state).toBe("failed");
    expect(rig.created()).toEqual([]);
    expect(await leftovers(rig)).toEqual([]);
  });
});
