/**
 * A worker process SIGKILLed in the middle of a rollout, while one VM is being upgraded: another worker
 * takes the job over and finishes it without a second snapshot or a second upgrade of any VM.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { REDIS_URL } from "../jobs/support.js";
import { type ApplyHarness, applyHarness } from "./apply-harness.js";
import { addGuest, startUpdateSim, type UpdateSim } from "./helpers.js";

const childScript = fileURLToPath(new URL("./worker-child.ts", import.meta.url));

let u: UpdateSim | undefined;
let a: ApplyHarness | undefined;
let child: ChildProcess | undefined;
afterEach(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  await a?.close();
  await u?.close();
  a = undefined;
  u = undefined;
  child = undefined;
});

const upgradeExecs = (vmid: number) =>
  u!.t.sim.requests
    .filter("POST", `/nodes/pve1/qemu/${vmid}/agent/exec`)
    .filter((e) => JSON.stringify(e.body).includes("dist-upgrade")).length;

describe("a worker killed mid-rollout", () => {
  it("is resumed by another worker without updating any VM twice", async () => {
    u = await startUpdateSim();
    for (const vmid of [850, 851, 852]) addGuest(u.t, { vmid });
    a = applyHarness(u);
    // Once VM 851's snapshot is taken, the child hangs reading the result of its upgrade.
    u.t.sim.onTaskEnd(({ upid }) => {
      if (upid.includes(":qmsnapshot:851:"))
        u!.t.sim.faults.addLatency({
          method: "GET",
          path: "/nodes/pve1/qemu/851/agent/exec-status",
          ms: 120_000,
        });
    });
    const job = await a.start(
      [850, 851, 852].map((vmid) => ({ vmid, name: `guest${vmid}`, node: "pve1", tags: [] })),
      { batch: 1 },
    );
    let stderr = "";
    child = spawn(process.execPath, ["--import", "tsx", childScript], {
      env: {
        ...process.env,
        REDIS_URL,
        KEY_PREFIX: a.h.keyPrefix,
        SIM_URL: u.t.sim.url,
        SIM_TOKEN_ID: u.t.sim.tokenId,
        SIM_TOKEN_SECRET: u.t.sim.tokenSecret,
        SIM_FINGERPRINT: u.t.sim.fingerprint,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stderr!.on("data", (chunk) => {
      stderr += String(chunk);
    });
    await expect
      .poll(() => upgradeExecs(851), {
        timeout: 15_000,
        message: `the child never reached VM 851's upgrade: ${stderr}`,
      })
      .toBe(1);
    // Let the exec-status request that will hang go out.
    await new Promise((r) => setTimeout(r, 200));
    const exited = new Promise((resolve) => child!.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    u.t.sim.faults.clear();

    a.h.startWorker({ stalledIntervalMs: 300, lockDurationMs: 1000 });
    const info = await a.h.queue.waitUntilFinished(job.id, 30_000);
    expect(info?.state).toBe("completed");
    for (const vmid of [850, 851, 852]) {
      const g = u.t.sim.state.vms.get(vmid)!;
      expect(g.snapshots).toHaveLength(1);
      expect(upgradeExecs(vmid)).toBe(1);
      expect(g.guest.packages.filter((p) => p.available)).toEqual([]);
    }
    // The summary the child posted goes on being edited by the new worker: still one message.
    expect(a.chat.posts).toEqual([]);
    expect(a.chat.edits.at(-1)!.messageId).toBe("child-1");
    expect(a.chat.edits.at(-1)!.reply.tone).toBe("success");
  }, 60_000);
});
