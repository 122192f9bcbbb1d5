/**
 * `npm run lint` ends with `deps:check` (knip): a dependency nothing imports, an import of a package not
 * listed, or a package the shipped code needs only in devDependencies… each fails it. Proven on a copy of
 * the tree (sources, configs, a link to node_modules), so the real package.json is never touched.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const COPIED = [
  ".gitignore",
  "package.json",
  "package-lock.json",
  "knip.json",
  "tsconfig.json",
  "tsconfig.build.json",
  "vitest.config.ts",
  "biome.json",
  "src",
  "test",
  "bench",
  "scripts",
];

let dir: string;
let original: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "pvebot-deps-"));
  for (const name of COPIED) cpSync(join(ROOT, name), join(dir, name), { recursive: true });
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  original = readFileSync(join(dir, "package.json"), "utf8");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Manifest = { dependencies: Record<string, string>; devDependencies: Record<string, string> };

function withManifest(change: (m: Manifest) => void): void {
  const manifest = JSON.parse(original) as Manifest;
  change(manifest);
  writeFileSync(join(dir, "package.json"), JSON.stringify(manifest, null, 2));
}

function depsCheck(): { status: number | null; output: string } {
  const run = spawnSync("npm", ["run", "--silent", "deps:check"], {
    cwd: dir,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe("deps:check (knip) in npm run lint", () => {
  it("is part of the lint script", () => {
    const scripts = (JSON.parse(original) as { scripts: Record<string, string> }).scripts;
    expect(scripts["lint"]).toMatch(/&& npm run --silent deps:check$/);
    expect(scripts["deps:check"]).toContain("knip --dependencies --production --strict");
  });

  it("passes on the tree as it is", () => {
    withManifest(() => {});
    expect(depsCheck()).toMatchObject({ status: 0 });
  }, 60_000);

  it("fails on a dependency nothing imports, naming it", () => {
    withManifest((m) => {
      m.dependencies["is-number"] = "^7.0.0";
      m.devDependencies["left-pad"] = "^1.3.0";
    });
    const result = depsCheck();
    expect(result.status).toBe(1);
    expect(result.output).toMatch(/Unused dependencies \(1\)\s+is-number/);
    expect(result.output).toMatch(/Unused devDependencies \(1\)\s+left-pad/);
  }, 60_000);

  it("fails when a package the shipped code imports is only a devDependency, or a dev tool ships", () => {
    withManifest((m) => {
      m.devDependencies["yaml"] = m.dependencies["yaml"]!;
      delete m.dependencies["yaml"];
    });
    const devOnly = depsCheck();
    expect(devOnly.status).toBe(1);
    expect(devOnly.output).toMatch(/Unlisted dependencies \(\d+\)\s+yaml\s+src\//);

    // The simulator's certificate generator is a dev tool: in dependencies it would ship in the image.
    withManifest((m) => {
      m.dependencies["selfsigned"] = m.devDependencies["selfsigned"]!;
      delete m.devDependencies["selfsigned"];
    });
    const shipped = depsCheck();
    expect(shipped.status).toBe(1);
    expect(shipped.output).toMatch(/Unused dependencies \(1\)\s+selfsigned/);
  }, 60_000);
});
