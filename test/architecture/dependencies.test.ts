import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The dependency rule of DESIGN.md: services know nothing of commands; commands and services nothing of chat
 * platforms, queues, Redis or Proxmox libraries, nor of the adapters and the bot that wire them; adapters
 * nothing of the bot.
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

/** The layers each layer must not import (DESIGN.md: bot → adapters → services ← commands). */
const FORBIDDEN_LAYERS: Record<string, string[]> = {
  "src/services": ["commands", "adapters", "bot"],
  "src/commands": ["adapters", "bot"],
  "src/adapters": ["bot"],
};
/** Layers that may not import the platform, queue, Redis and Proxmox libraries either. */
const NO_LIBRARIES = new Set(["src/services", "src/commands"]);

function violations(root: string, layerDirs: string[]): string[] {
  const found: string[] = [];
  for (const layer of layerDirs) {
    const layers = FORBIDDEN_LAYERS[layer] ?? [];
    const crossing = new RegExp(`^src/(${layers.join("|")})(/|$)`);
    for (const file of filesUnder(join(root, layer))) {
      for (const spec of importsOf(readFileSync(file, "utf8"))) {
        const pkg =
          NO_LIBRARIES.has(layer) && FORBIDDEN_PACKAGES.find((p) => spec === p || spec.startsWith(`${p}/`));
        const resolved = spec.startsWith(".") ? relative(root, join(file, "..", spec)) : "";
        const layerHit = layers.length > 0 && crossing.test(resolved);
        if (pkg || layerHit) found.push(`${relative(root, file)} imports ${spec}`);
      }
    }
  }
  return found;
}

const LAYERS = Object.keys(FORBIDDEN_LAYERS);

describe("dependency rule", () => {
  it("services import no command, adapter or bot module; commands no adapter or bot; adapters no bot", () => {
    expect(violations(ROOT, LAYERS)).toEqual([]);
  });

  it("commands and services import no platform, queue, Redis or Proxmox library", () => {
    expect(violations(ROOT, ["src/commands", "src/services"])).toEqual([]);
  });

  it("the check itself catches every forbidden arrow", () => {
    const root = mkdtempSync(join(tmpdir(), "deps-"));
    const write = (path: string, text: string) => {
      mkdirSync(join(root, path, ".."), { recursive: true });
      writeFileSync(join(root, path), text);
    };
    try {
      write(
        "src/services/ok.ts",
        `import { z } from "zod";\nimport type { R } from "./vocabulary/reply.js";`,
      );
      write(
        "src/services/x/bad.ts",
        [
          `import { Queue } from "bullmq";`,
          `import type { ChatAdapter } from "../../adapters/chat.js";`,
          `import type { CommandServices } from "../../commands/definition.js";`,
          `const m = await import("../../bot/main.js");`,
        ].join("\n"),
      );
      write("src/commands/ok.ts", `import type { Reply } from "../services/vocabulary/reply.js";`);
      write(
        "src/commands/bad.ts",
        `import { App } from "@slack/bolt";\nimport { createRedis } from "../adapters/store/redis.js";\nimport { x } from "../bot/wiring.js";`,
      );
      write(
        "src/adapters/ok.ts",
        `import { Redis } from "ioredis";\nimport type { R } from "../services/vocabulary/reply.js";`,
      );
      write("src/adapters/slack/bad.ts", `import type { Config } from "../../bot/config/schema.js";`);
      expect(violations(root, LAYERS).sort()).toEqual(
        [
          "src/services/x/bad.ts imports bullmq",
          "src/services/x/bad.ts imports ../../adapters/chat.js",
          "src/services/x/bad.ts imports ../../commands/definition.js",
          "src/services/x/bad.ts imports ../../bot/main.js",
          "src/commands/bad.ts imports @slack/bolt",
          "src/commands/bad.ts imports ../adapters/store/redis.js",
          "src/commands/bad.ts imports ../bot/wiring.js",
          "src/adapters/slack/bad.ts imports ../../bot/config/schema.js",
        ].sort(),
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
