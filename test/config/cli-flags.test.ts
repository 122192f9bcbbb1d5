/**
 * Command-line flags are parsed with node:util parseArgs: a flag a sub-command does not know, or a flag
 * without its value, is a usage error (exit 2) naming the flag, before any config is read or Redis touched.
 */
import { describe, expect, it } from "vitest";
import { main } from "../../src/bot/cli-main.js";
import { runConfigCommand } from "../../src/bot/config/cli.js";
import { configFileFromArgs } from "../../src/bot/config/load.js";

function sinks() {
  const out = { stdout: "", stderr: "" };
  return {
    out,
    stdout: { write: (t: string) => (out.stdout += t) },
    stderr: { write: (t: string) => (out.stderr += t) },
  };
}

describe("proxmox-chatops flags", () => {
  it.each([
    [["audit", "export", "--bogus"], /Unknown option '--bogus'/],
    [["audit", "export", "--since"], /--since <value>' argument missing/],
  ])("%j is a usage error", async (argv, reason) => {
    const io = sinks();
    const code = await main({ argv, env: {}, stdout: io.stdout, stderr: io.stderr });
    expect(code).toBe(2);
    expect(io.out.stderr).toMatch(reason);
    expect(io.out.stdout).toBe("");
  });

  it("config check refuses a flag it does not know", async () => {
    const io = sinks();
    const code = await runConfigCommand("check", {
      argv: ["--colour"],
      env: {},
      stdout: io.stdout,
      stderr: io.stderr,
    });
    expect(code).toBe(2);
    expect(io.out.stderr).toMatch(/Unknown option '--colour'/);
  });

  it("config check takes the last of --format, --json and --yaml", async () => {
    const io = sinks();
    const code = await runConfigCommand("check", {
      argv: ["--json", "--format=yaml", "--json"],
      env: {},
      stdout: io.stdout,
      stderr: io.stderr,
    });
    expect(code).toBe(0);
    expect(JSON.parse(io.out.stdout).redis.prefix).toBe("pvebot:");
  });

  it.each([
    [["--config", "a.yml"], { file: "a.yml" }],
    [["-c", "a.yml", "--json"], { file: "a.yml" }],
    [["--json", "--config=a.yml"], { file: "a.yml" }],
    [["--json"], {}],
  ])("finds the config file in %j", (argv, expected) => {
    expect(configFileFromArgs(argv)).toEqual(expected);
  });

  it.each([
    [["--config"], "--config"],
    [["-c", "--json"], "-c"],
    [["--config="], "--config"],
  ])("%j names a missing file as an error", (argv, path) => {
    expect(configFileFromArgs(argv).error?.path).toBe(path);
  });
});
