/**
 * A worker killed with SIGKILL while PVE imports the image: another worker takes the stalled job over,
 * follows the create task the first one started (no second create, no second download) and finishes the
 * build; the dead worker's slots come free when their leases run out.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { eventually, REDIS_URL } from "../../jobs/support.js";
import { type Rig, startRig, vmsInRange } from "./rig.js";

const childScript = fileURLToPath(new URL("./worker-child.ts", import.meta.url));

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe("a template build whose worker is killed", () => {
  it("is resumed by another worker, following the running create task", async () => {
    rig = await startRig({ worker: false });
    const r = rig;
    // The create runs until the resumed worker follows it: on a slow machine a timed create could end
    // before the stalled job is picked up again, and the resume would not follow a running task.
    const releaseCreate = r.sim.sim.holdTasks("qmcreate");
    const createStatus = /^\/nodes\/pve2\/tasks\/UPID:pve2:[^/]+:qmcreate:[^/]+\/status$/;
    const data = await r.plan("debian-12", { node: "pve2" });
    const started = await r.jobs.start("template.build", data as unknown as Record<string, unknown>);
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
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (chunk) => {
      stderr += String(chunk);
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child never reached the import: ${stderr}`)), 20_000);
      createInterface({ input: child.stdout! }).on("line", (line) => {
        if (line.includes("importing the image")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on("exit", (code) => reject(new Error(`child exited early (${code}): ${stderr}`)));
    });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;

    const readsBeforeResume = r.sim.sim.requests.count("GET", createStatus);
    r.jobs.startWorker({ stalledIntervalMs: 300, lockDurationMs: 1000 });
    await eventually(
      () => r.sim.sim.requests.count("GET", createStatus) > readsBeforeResume,
      "the resumed worker to follow the create",
    );
    const create = [...r.sim.sim.state.tasks.values()].find((t) => t.type === "qmcreate");
    expect(create?.status).toBe("running");
    releaseCreate();
    const info = await r.jobs.queue.waitUntilFinished(started.id, 30_000);
    expect(info?.state).toBe("completed");
    expect(r.sim.sim.requests.count("POST", "/nodes/pve2/qemu")).toBe(1);
    expect(r.sim.sim.requests.count("POST", /download-url$/)).toBe(1);
    const built = vmsInRange(r).filter((v) => v.name.startsWith("tpl-debian-12"));
    expect(built).toHaveLength(1);
    expect(built[0]?.template).toBe(true);
  });
});
