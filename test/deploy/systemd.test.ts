/**
 * The systemd units, checked by systemd itself: `systemd-analyze verify` (unknown keys, bad values, a
 * missing executable) and `systemd-analyze security --offline` (the exposure score of the hardening).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const DIR = resolve(import.meta.dirname, "../../deploy/systemd");
const UNITS = {
  "proxmox-chatops-frontend.service": "run --no-worker",
  "proxmox-chatops-worker.service": "worker",
};
/** systemd's exposure scale runs 0–100 here (1.1 shown as "1.1 OK"); above 2.0 is weaker than we ship. */
const MAX_EXPOSURE = 20;

function analyze(args: string[]) {
  const r = spawnSync("systemd-analyze", args, { cwd: DIR, encoding: "utf8" });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** `Key=value` lines of a section, in order (repeated keys kept). */
function section(text: string, name: string): [string, string][] {
  const body = text.split(/^\[/m).find((s) => s.startsWith(`${name}]`)) ?? "";
  return body
    .split("\n")
    .slice(1)
    .filter((l) => /^[A-Za-z]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]);
}

describe("systemd units", () => {
  for (const [unit, args] of Object.entries(UNITS)) {
    it(`${unit} passes systemd-analyze verify and runs \`${args}\``, () => {
      const r = analyze(["verify", `./${unit}`]);
      expect(r.output).toBe("");
      expect(r.status).toBe(0);
      const service = section(readFileSync(resolve(DIR, unit), "utf8"), "Service");
      const value = (key: string) => service.filter(([k]) => k === key).map(([, v]) => v);
      expect(value("ExecStart")).toEqual([`/usr/bin/node /opt/proxmox-chatops/dist/bot/cli.js ${args}`]);
      expect(value("EnvironmentFile")).toEqual(["/etc/proxmox-chatops/secrets.env"]);
      for (const [key, expected] of [
        ["NoNewPrivileges", "yes"],
        ["ProtectSystem", "strict"],
        ["DynamicUser", "yes"],
        ["PrivateTmp", "yes"],
        ["CapabilityBoundingSet", ""],
      ]) {
        expect(value(key!), key).toEqual([expected]);
      }
    });

    it(`${unit} keeps its exposure score low`, () => {
      const r = analyze(["security", "--offline=yes", `--threshold=${MAX_EXPOSURE}`, `./${unit}`]);
      expect(r.output).toMatch(/Overall exposure level for .*: [01]\.\d OK/);
      expect(r.status).toBe(0);
    });
  }

  it("verify fails on a unit with a typo, so the checks above can fail", () => {
    const broken = readFileSync(resolve(DIR, "proxmox-chatops-worker.service"), "utf8").replace(
      "NoNewPrivileges=yes",
      "NoNewPrivilege=yes",
    );
    const dir = mkdtempSync(join(tmpdir(), "units-"));
    try {
      writeFileSync(join(dir, "broken.service"), broken);
      const r = spawnSync("systemd-analyze", ["verify", join(dir, "broken.service")], { encoding: "utf8" });
      expect(`${r.stdout}${r.stderr}`).toContain("Unknown key 'NoNewPrivilege'");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
