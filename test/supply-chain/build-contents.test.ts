/**
 * What `npm run build` puts in dist/, which is what the Docker image ships: the bot and its data, not the
 * Proxmox simulator, the checksum mirror or the demo that starts them. Built into a scratch directory laid
 * out like the image (/app/package.json, /app/node_modules, /app/dist), then started.
 */
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
let app: string;
let files: string[];

function list(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? list(join(dir, e.name)) : [join(dir, e.name)],
  );
}

beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), "pvebot-build-"));
  copyFileSync(join(ROOT, "package.json"), join(app, "package.json"));
  symlinkSync(join(ROOT, "node_modules"), join(app, "node_modules"), "dir");
  const dist = join(app, "dist");
  const tsc = spawnSync(
    process.execPath,
    [
      join(ROOT, "node_modules/typescript/bin/tsc"),
      "-p",
      join(ROOT, "tsconfig.build.json"),
      "--outDir",
      dist,
    ],
    { encoding: "utf8" },
  );
  expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
  const copy = spawnSync(process.execPath, [join(ROOT, "scripts/copy-build-assets.mjs"), dist], {
    encoding: "utf8",
  });
  expect(copy.status, copy.stderr).toBe(0);
  files = list(dist).map((f) => relative(dist, f));
}, 120_000);
afterAll(() => rmSync(app, { recursive: true, force: true }));

describe("the build that the image ships", () => {
  it("leaves out the simulators and the demo, with their data", () => {
    expect(files.filter((f) => f.startsWith("sim/") || f.startsWith("bot/demo."))).toEqual([]);
    expect(files.filter((f) => f.endsWith(".json"))).toEqual(["services/templates/catalog/catalog.json"]);
    for (const f of files.filter((name) => name.endsWith(".js"))) {
      expect(readFileSync(join(app, "dist", f), "utf8"), f).not.toMatch(/from "(\.\.?\/)+sim\/|"selfsigned"/);
    }
  });

  it("still holds a CLI that starts", () => {
    expect(existsSync(join(app, "dist/bot/cli.js"))).toBe(true);
    const help = spawnSync(process.execPath, [join(app, "dist/bot/cli.js"), "help"], { encoding: "utf8" });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^usage: proxmox-chatops/);
  });
});
