import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const script = fileURLToPath(new URL("./fixtures/piped-session.ts", import.meta.url));
const tsx = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));

describe("console adapter in a real process with piped stdin", () => {
  it("runs each line to completion and exits 0 at end of input, with nothing left running", async () => {
    const child = spawn(tsx, [script], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString("utf8");
    });
    child.stderr.on("data", (c: Buffer) => {
      err += c.toString("utf8");
    });
    child.stdin.end("build\r\n:as bob\nstatus\n");
    const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(out).toBe(
      [
        "alice> build",
        "#1 i build started by Alice",
        "#2 ✔ job-1 done",
        "alice> :as bob",
        "bob> status",
        "#3 echo status",
        "",
      ].join("\n"),
    );
  });
});
