import { spawn } from "node:child_process";
import { connect } from "node:net";
import { describe, expect, it } from "vitest";

// Runs in the unit tier: proves the tier's two rules are enforced rather than hoped for.
describe("the unit tier", () => {
  it("refuses to start a child process, naming the rule", () => {
    expect(() => spawn("node", ["--version"])).toThrow(/unit tests start no process/);
  });

  it("points REDIS_URL at a port where nothing answers", async () => {
    const url = new URL(process.env.REDIS_URL ?? "");
    const outcome = await new Promise<string>((resolve) => {
      const socket = connect(Number(url.port), url.hostname);
      socket.once("connect", () => {
        socket.destroy();
        resolve("connected");
      });
      socket.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
    });
    expect(outcome).toBe("ECONNREFUSED");
  });
});
