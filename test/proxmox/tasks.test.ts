import { afterEach, describe, expect, it } from "vitest";
import { ProxmoxError, ProxmoxTaskError } from "../../src/services/proxmox.js";
import { makeClient } from "./helpers/client.js";
import { type FakePve, startFakePve } from "./helpers/fake-pve.js";
import { useOfficialSchema } from "./helpers/schema.js";

const UPID = "UPID:pve1:0000A1B2:0123ABCD:6817C0DE:qmclone:9000:chatops@pve!bot:";

const schema = useOfficialSchema();
let server: FakePve | undefined;
afterEach(async () => {
  // Every request the client sent must pass PVE's official schema.
  expect(server?.refused ?? []).toEqual([]);
  await server?.close();
  server = undefined;
});

/** A task that reports `running` for `polls` status reads, then stops with `exit` and a log of `lines`. */
async function taskServer(polls: number, exit: string, lines: string[]) {
  let seen = 0;
  server = await startFakePve(
    (r) => {
      if (r.path.endsWith("/status")) {
        const stopped = ++seen > polls;
        return {
          data: {
            upid: UPID,
            node: "pve1",
            pid: 41394,
            pstart: 19114957,
            starttime: 1746387166,
            type: "qmclone",
            id: "9000",
            user: "chatops@pve",
            tokenid: "bot",
            status: stopped ? "stopped" : "running",
            ...(stopped ? { exitstatus: exit } : {}),
          },
        };
      }
      if (r.path.endsWith("/log")) {
        const start = Number(r.query.get("start") ?? 0);
        const limit = Number(r.query.get("limit") ?? 50);
        const rows = lines.slice(start, start + limit).map((t, i) => ({ n: start + i + 1, t }));
        return { data: rows, total: lines.length };
      }
      return { status: 501, message: "not implemented" };
    },
    undefined,
    schema,
  );
  return server;
}

describe("following a task by UPID", () => {
  it("OK is success, and polling backs off from 250 ms towards 2 s", async () => {
    const s = await taskServer(8, "OK", ["create full clone of drive scsi0", "TASK OK"]);
    const { client, sleeps } = makeClient(s.url);
    const polls: string[] = [];
    const done = await client.waitForTask(UPID, { onPoll: (st) => polls.push(st.status) });
    expect(done).toMatchObject({ upid: UPID, exitstatus: "OK", warnings: 0 });
    expect(sleeps).toEqual([250, 375, 563, 845, 1268, 1902, 2000, 2000]);
    expect(done.durationMs).toBe(sleeps.reduce((a, b) => a + b, 0));
    expect(polls).toHaveLength(8);
    expect(s.requests.every((r) => r.path === `/api2/json/nodes/pve1/tasks/${UPID}/status`)).toBe(true);
  });

  it("WARNINGS: n counts as success and reports n", async () => {
    const s = await taskServer(1, "WARNINGS: 2", ["WARN: a", "WARN: b", "TASK WARNINGS: 2"]);
    const { client } = makeClient(s.url);
    expect(await client.waitForTask(UPID)).toMatchObject({ exitstatus: "WARNINGS: 2", warnings: 2 });
  });

  it("an error carries PVE's message and the last 20 log lines", async () => {
    const log = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`);
    log.push("TASK ERROR: VM is locked (clone)");
    const s = await taskServer(2, "VM is locked (clone)", log);
    const { client } = makeClient(s.url);
    const err = await client.waitForTask(UPID).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProxmoxTaskError);
    const taskErr = err as ProxmoxTaskError;
    expect(taskErr.code).toBe("E_PVE_LOCKED");
    expect(taskErr.transient).toBe(true);
    expect(taskErr.message).toBe("Proxmox task qmclone 9000 on pve1 failed: VM is locked (clone)");
    expect(taskErr.exitstatus).toBe("VM is locked (clone)");
    expect(taskErr.logTail).toHaveLength(20);
    expect(taskErr.logTail[0]).toBe("line 12");
    expect(taskErr.logTail[19]).toBe("TASK ERROR: VM is locked (clone)");
  });

  it("other task errors are E_PVE with PVE's words", async () => {
    const s = await taskServer(0, "snapshot feature is not available", [
      "TASK ERROR: snapshot feature is not available",
    ]);
    const { client } = makeClient(s.url);
    const err = (await client.waitForTask(UPID).catch((e: unknown) => e)) as ProxmoxTaskError;
    expect(err.code).toBe("E_PVE");
    expect(err.logTail).toEqual(["TASK ERROR: snapshot feature is not available"]);
  });

  it("gives up after the overall timeout and says how to follow the task", async () => {
    const s = await taskServer(1_000, "OK", []);
    const { client, sleeps } = makeClient(s.url);
    const err = await client.waitForTask(UPID, { timeoutMs: 5_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProxmoxError);
    expect((err as Error).message).toBe(
      `Proxmox task qmclone 9000 on pve1 is still running after 5 s; it continues on Proxmox. Follow it with: task ${UPID}`,
    );
    expect(sleeps.reduce((a, b) => a + b, 0)).toBe(5_000);
  });

  it("reads the tail of a short log in one request and of a long one in two", async () => {
    const s = await taskServer(0, "OK", ["a", "b", "TASK OK"]);
    const { client } = makeClient(s.url);
    expect(await client.taskLogTail(UPID)).toEqual({ lines: ["a", "b", "TASK OK"], total: 3 });
    expect(s.count("GET")).toBe(1);
    expect(await client.taskLogTail(UPID, 2)).toEqual({ lines: ["b", "TASK OK"], total: 3 });
    expect(s.count("GET")).toBe(3);
  });
});
