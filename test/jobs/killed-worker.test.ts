/**
 * A worker process killed with SIGKILL in the middle of a job: BullMQ's stalled-job check hands the job
 * to another worker, which either resumes after the last completed step or, when the stall limit is
 * exhausted, cleans up from the persisted state and reports the failure.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { type Harness, harness } from "./harness.js";
import { buildJob, newCalls } from "./sample-job.js";
import { REDIS_URL } from "./support.js";

const childScript = fileURLToPath(new URL("./worker-child.ts", import.meta.url));

/** Starts the child worker and resolves once it reports entering the import step. */
async function childWorkerStuckInImport(
  keyPrefix: string,
): Promise<{ child: ChildProcess; lines: string[] }> {
  const child = spawn(process.execPath, ["--import", "tsx", childScript], {
    env: { ...process.env, REDIS_URL, KEY_PREFIX: keyPrefix },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let stderr = "";
  child.stderr!.on("data", (chunk) => {
    stderr += String(chunk);
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`child never reached the import step: ${stderr}`)),
      15_000,
    );
    createInterface({ input: child.stdout! }).on("line", (line) => {
      lines.push(line);
      if (line.includes('"name":"import"')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on("exit", (code) => reject(new Error(`child exited early (${code}): ${stderr}`)));
  });
  return { child, lines };
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}

describe("a worker killed mid-job", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("is resumed by another worker after the last completed step", async () => {
    const calls = newCalls();
    h = harness([buildJob(calls)]);
    const started = await h.start("template.build", { vmid: 9101 });
    const { child, lines } = await childWorkerStuckInImport(h.keyPrefix);
    expect(lines.map((l) => JSON.parse(l).name).filter(Boolean)).toEqual(["create", "import"]);
    await kill(child);

    h.startWorker({ stalledIntervalMs: 300, lockDurationMs: 1000 });
    const info = await h.queue.waitUntilFinished(started.id, 15_000);
    expect(info?.state).toBe("completed");
    expect(calls.steps.map((s) => s.name)).toEqual(["import", "convert"]);
    expect(calls.cleanups).toEqual([]);
    expect(h.chat.last(started.message!.messageId)).toMatchObject({
      tone: "success",
      fields: expect.arrayContaining([{ label: "Template", value: "9101" }]),
    });
    expect(h.audit.records.map((r) => r.outcome)).toEqual(["completed"]);
  });

  it("is cleaned up and reported failed when the stall limit is exhausted", async () => {
    const calls = newCalls();
    h = harness([buildJob(calls)]);
    const started = await h.start("template.build", { vmid: 9102 });
    const { child } = await childWorkerStuckInImport(h.keyPrefix);
    await kill(child);

    h.startWorker({ stalledIntervalMs: 300, lockDurationMs: 1000, maxStalledCount: 0 });
    const info = await h.queue.waitUntilFinished(started.id, 15_000);
    expect(info?.state).toBe("failed");
    expect(calls.steps).toEqual([]);
    expect(calls.cleanups).toEqual([{ vmid: 9102 }]);
    const final = h.chat.last(started.message!.messageId)!;
    expect(final.tone).toBe("danger");
    expect(final.text).toBe(
      "Failed at step 2/3: import disk: the worker running this job stopped responding too many times; the job was given up",
    );
    expect(final.fields).toContainEqual({ label: "Cleanup", value: "removed VM 9102" });
    expect(h.audit.records).toEqual([expect.objectContaining({ outcome: "failed", jobId: started.id })]);
  });
});
