/**
 * Runs before every unit-tier test file: a unit test that reaches for a child process fails with a
 * message naming the rule, instead of passing only on machines where the process happens to start.
 */
import { vi } from "vitest";

vi.mock("node:child_process", () => {
  const refuse = (name: string) => () => {
    throw new Error(
      `child_process.${name} in a unit-tier test: unit tests start no process; list the file in the integration tier instead (test/tiers/unit.ts)`,
    );
  };
  const names = ["spawn", "spawnSync", "exec", "execSync", "execFile", "execFileSync", "fork"];
  const api = Object.fromEntries(names.map((n) => [n, refuse(n)]));
  return { ...api, default: api };
});
