import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The dependency rule of DESIGN.md: commands and services know nothing of chat platforms, queues, Redis or
 * Proxmox libraries, nor of the adapters and the bot that wire them.
 */
const ROOT = join(import.meta.dirname, "..", "..");
const FORBIDDEN_PACKAGES = ["@slack/bolt", "discord.js", "bullmq", "proxmox-api", "ioredis"];

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith(".ts") ? [path] : [];
  });
}

function importsOf(source: string): string[] {
  const specs: string[] = [];
  const pattern =
    /(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|require\(\s*["']([^"']+)["']\s*\)/g;
  for (const m of source.matchAll(pattern)) specs.push((m[1] ?? m[2] ?? m[3])!);
  return specs;
}

function violations(root: string, layerDirs: string[]): string[] {
  const found: string[] = [];
  for (const layer of layerDirs) {
    for (const file of filesUnder(join(root, layer))) {
      for (const spec of importsOf(readFileSync(file, "utf8"))) {
        const pkg = FORBIDDEN_PACKAGES.find((p) => spec === p || spec.startsWith(`${p}/`));
        const resolved = spec.startsWith(".") ? relative(root, join(file, "..", spec)) : "";
        const layerHit = /^src\/(adapters|bot)(\/|$)/.test(resolved);
        if (pkg || layerHit) found.push(`${relative(root, file)} imports ${spec}`);
      }
    }
  }
  return found;
}

describe("dependency rule", () => {
  it("src/commands and src/services import no platform library, adapter or bot module", () => {
    expect(violations(ROOT, ["src/commands", "src/services"])).toEqual([]);
  });

  it("the check itself catches forbidden imports", () => {
    const root = mkdtempSync(join(tmpdir(), "deps-"));
    try {
      mkdirSync(join(root, "src/services/x"), { recursive: true });
      writeFileSync(
        join(root, "src/services/ok.ts"),
        `import { z } from "zod";\nimport type { R } from "../commands/reply.js";`,
      );
      writeFileSync(
        join(root, "src/services/x/bad.ts"),
        `import { Queue } from "bullmq";\nimport type { ChatAdapter } from "../../adapters/chat.js";\nconst m = await import("../../bot/main.js");`,
      );
      expect(violations(root, ["src/services"])).toEqual([
        "src/services/x/bad.ts imports bullmq",
        "src/services/x/bad.ts imports ../../adapters/chat.js",
        "src/services/x/bad.ts imports ../../bot/main.js",
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
