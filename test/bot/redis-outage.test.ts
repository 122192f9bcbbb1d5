import { afterAll, describe, expect, it } from "vitest";
import { ALL_COMMANDS } from "../../src/commands/index.js";
import { CONVERSATION, consoleActor, createHarness, type Harness } from "../helpers/dispatcher-harness.js";
import { PrivateRedis } from "../helpers/private-redis.js";

let h: Harness | undefined;
let server: PrivateRedis | undefined;
afterAll(async () => {
  await h?.close();
  await server?.stop();
});

describe("Redis lost while running", () => {
  it("answers 'temporarily unavailable', then recovers by itself when Redis returns", async () => {
    server = await PrivateRedis.start();
    h = await createHarness({
      commands: [...ALL_COMMANDS],
      rbac: { bindings: [{ role: "approver", subjects: ["console:user:bob"] }], channels: {} },
      redisUrl: server.url,
    });
    const send = () =>
      h!.dispatcher.onCommand({
        actor: consoleActor("bob"),
        conversation: CONVERSATION,
        text: "approvals",
        requestId: "r",
      });
    expect((await send()).errorCode).toBeUndefined();

    await server.kill();
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

    await server.restart();
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
