import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { z } from "zod";
import { configSchema } from "../../src/bot/config/schema.js";

/** A scratch directory per test; `write` creates files in it, `cleanup` removes it all. */
export function scratchDir(): {
  dir: string;
  write: (name: string, text: string) => string;
  cleanup: () => void;
} {
  const dir = mkdtempSync(join(tmpdir(), "pvebot-config-"));
  return {
    dir,
    write(name, text) {
      const path = join(dir, name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * The bot's schema plus proxmox and slack sections shaped like the ones the lead is adding, so the loader's
 * secret handling is exercised against real secret-bearing keys.
 */
export const schemaWithSecrets = configSchema.extend({
  proxmox: z
    .object({
      url: z.string().regex(/^https:\/\//, "must start with https://"),
      tokenId: z.string().regex(/^[^@\s]+@[^!\s]+![\w-]+$/, "use user@realm!tokenname"),
      tokenSecret: z.string().regex(/^[0-9a-f-]{36}$/, "must be the token's UUID"),
      tlsFingerprint: z.string().optional(),
      tlsCaFile: z.string().optional(),
    })
    .strict()
    .optional(),
  slack: z
    .object({
      botToken: z.string().startsWith("xoxb-", "must start with xoxb-"),
      signingSecret: z.string().length(32, "must be 32 characters"),
      appToken: z.string().startsWith("xapp-", "must start with xapp-").optional(),
      apiUrl: z.string().optional(),
    })
    .strict()
    .optional(),
});
