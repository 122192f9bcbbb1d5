import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { ALL_COMMANDS } from "../../src/commands/index.js";
import { CONVERSATION, consoleActor, createHarness, type Harness } from "../helpers/dispatcher-harness.js";

/** A private redis-server that the test can kill and bring back on the same port. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    {
      stdio: ["ignore", "pipe", "ignore"],
    },
  );
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      if (String(d).includes("Ready to accept connections")) resolve(child);
    });
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`redis-server exited with ${code}`)));
  });
}

function stopRedis(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

let h: Harness | undefined;
let server: ChildProcess | undefined;
afterAll(async () => {
  await h?.close();
  if (server && server.exitCode === null) await stopRedis(server);
});

describe("Redis lost while running", () => {
  it("answers 'temporarily unavailable', then recovers by itself when Redis returns", async () => {
    const port = await freePort();
    server = await startRedis(port);
    h = await createHarness({
      commands: [...ALL_COMMANDS],
      rbac: { bindings: [{ role: "approver", subjects: ["console:user:bob"] }], channels: {} },
      redisUrl: `redis://127.0.0.1:${port}`,
    });
    const send = () =>
      h!.dispatcher.onCommand({
        actor: consoleActor("bob"),
        conversation: CONVERSATION,
        text: "approvals",
        requestId: "r",
      });
    expect((await send()).errorCode).toBeUndefined();

    await stopRedis(server);
    const down = await send();
    expect(down.errorCode).toBe("E_UNAVAILABLE");
    expect(down.text).toMatch(/temporarily unavailable/);
    const started = Date.now();
    const jobs = await h!.dispatcher.onCommand({
      actor: consoleActor("bob"),
      conversation: CONVERSATION,
      text: "jobs",
      requestId: "r2",
    });
    expect(jobs.errorCode).toBe("E_UNAVAILABLE");
    expect(Date.now() - started).toBeLessThan(6000);

    server = await startRedis(port);
    const deadline = Date.now() + 10_000;
    let reply = await send();
    while (reply.errorCode === "E_UNAVAILABLE" && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      reply = await send();
    }
    expect(reply.errorCode).toBeUndefined();
    expect(reply.text).toBe("No pending approval requests.");
  });
});
