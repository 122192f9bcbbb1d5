/**
 * A `vm create` worker killed with SIGKILL after the clone, while PVE grows the disk: another worker
 * takes the stalled job over, follows the resize task the first one started, and finishes the job with
 * the VM the first one cloned: one clone sent, one VM made, nothing reserved or held afterwards.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import type { CommandDefinition } from "../../src/commands/definition.js";
import { vmCreate } from "../../src/commands/vm-create.js";
import { eventually, REDIS_URL } from "../jobs/support.js";
import { leftovers } from "../templates/build/rig.js";
import { LAB_NETWORKS, type ProvisionRig, startProvisionRig } from "./rig.js";

const childScript = fileURLToPath(new URL("../templates/build/worker-child.ts", import.meta.url));

let rig: ProvisionRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe("a vm create whose worker is killed", () => {
  it("is resumed by another worker without a second clone and without a VM left behind", async () => {
    rig = await startProvisionRig({ worker: false });
    const r = rig;
    // The resize runs until the resumed worker follows it, so the kill lands after the clone and
    // before the start however slow the machine is.
    const releaseResize = r.sim.sim.holdTasks("resize");
    const resizeStatus = /^\/nodes\/pve1\/tasks\/UPID:pve1:[^/]+:resize:[^/]+\/status$/;
    const reply = await (vmCreate as CommandDefinition).run(r.ctx(), {
      name: "solo",
      from: "tmpl-debian-12",
      disk: "10G",
      ip: "dhcp",
      start: true,
    } as never);
    if (!reply.jobId) throw new Error(`no job: ${reply.text}`);
    const child = spawn(process.execPath, ["--import", "tsx", childScript], {
      env: {
        ...process.env,
        REDIS_URL,
        KEY_PREFIX: r.prefix,
        SIM: JSON.stringify({
          url: r.sim.sim.url,
          tokenId: r.sim.sim.tokenId,
          tokenSecret: r.sim.sim.tokenSecret,
          fingerprint: r.sim.sim.fingerprint,
        }),
        MIRRORS: JSON.stringify(r.mirror.mirrors),
        PROVISION: JSON.stringify(LAB_NETWORKS),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (chunk) => {
      stderr += String(chunk);
    });
    let exitCode: number | null | undefined;
    const exited = new Promise((resolve) => child.once("exit", resolve)).then((code) => {
      exitCode = code as number | null;
    });
    await eventually(
      () => {
        if (exitCode !== undefined) throw new Error(`child exited early (${exitCode}): ${stderr}`);
        return r.sim.sim.requests.count("GET", resizeStatus) > 0;
      },
      "the child worker to follow the resize",
      20_000,
    );
    child.kill("SIGKILL");
    await exited;
    expect(r.sim.sim.requests.count("POST", /\/clone$/)).toBe(1);
    expect(r.sim.sim.requests.count("POST", /\/status\/start$/)).toBe(0);

    const readsBeforeResume = r.sim.sim.requests.count("GET", resizeStatus);
    r.jobs.startWorker({ stalledIntervalMs: 300, lockDurationMs: 1000 });
    await eventually(
      () => r.sim.sim.requests.count("GET", resizeStatus) > readsBeforeResume,
      "the resumed worker to follow the resize",
    );
    releaseResize();
    const info = await r.jobs.queue.waitUntilFinished(reply.jobId, 30_000);
    expect(info?.state).toBe("completed");
    expect(r.sim.sim.requests.count("POST", /\/clone$/)).toBe(1);
    expect(r.sim.sim.requests.count("PUT", /\/resize$/)).toBe(1);
    const made = r.created();
    expect(made.map((v) => [v.name, v.status])).toEqual([["solo", "running"]]);
    expect(String(made[0]!.config.scsi0)).toMatch(/size=10G/);
    // The dead worker's node slot expires with its lease; the VMID reservation was released.
    await eventually(async () => (await leftovers(r)).length === 0, "no reservation or slot left");
  });
});
