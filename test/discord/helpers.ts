/** Shared set-up for the Discord tests: the fake Discord, the adapter on real discord.js, and readers. */

import { z } from "zod";
import type { Inbound } from "../../src/adapters/chat.js";
import {
  createDiscordAdapter,
  type DiscordAdapter,
  type DiscordAdapterDeps,
} from "../../src/adapters/discord/adapter.js";
import { type DiscordConfigInput, discordConfigSchema } from "../../src/adapters/discord/config.js";
import { parseCustomId } from "../../src/adapters/discord/render/custom-id.js";
import type { CommandDefinition } from "../../src/commands/definition.js";
import type { Clock } from "../../src/services/ports.js";
import {
  EPHEMERAL,
  FakeDiscord,
  type FakeDiscordOptions,
  type FakeMessage,
  type FakeUser,
} from "../fakes/discord/index.js";
import { type MemoryLog, memoryLog } from "../slack/helpers.js";

export const TOKEN = "MTIxMDAwMDAwMDAwMDAwMDAwMQ.GfAkE1.abcdefghijklmnopqrstuvwxyz012345";
export const APP_ID = "1210000000000000001";
export const GUILD_ID = "1000000000000000001";
export const CHANNEL_ID = "1100000000000000001";

export const ALICE: FakeUser = { id: "1300000000000000101", name: "alice", roles: ["1400000000000000001"] };
export const BOB: FakeUser = {
  id: "1300000000000000102",
  name: "bob",
  roles: ["1400000000000000002", "1400000000000000001"],
};

function command(name: string, args: z.ZodObject = z.object({}), positionals?: string[]): CommandDefinition {
  return {
    name,
    summary: name,
    args,
    ...(positionals ? { positionals: positionals.map((p) => ({ name: p })) } : {}),
    permission: "viewer",
    destructive: false,
    run: async () => ({ text: name }),
  };
}

/** The commands the tests' `/pve` knows (the contract's, and a few with typed options). */
export const TEST_COMMANDS: readonly CommandDefinition[] = [
  command("whoami"),
  command("nodes"),
  command("secret"),
  command("public"),
  command("template.list", z.object({ node: z.string().optional() })),
  command("template.delete", z.object({ vmid: z.number().int() }), ["vmid"]),
  command(
    "template.build",
    z.object({ distro: z.string(), node: z.string(), dryRun: z.boolean().optional() }),
    ["distro"],
  ),
  command("vm.start", z.object({ vmid: z.number().int() }), ["vmid"]),
];

export interface DiscordHarness {
  fake: FakeDiscord;
  adapter: DiscordAdapter;
  log: MemoryLog;
  clock: Clock;
  close(): Promise<void>;
}

export async function startDiscordHarness(
  inbound: Inbound,
  options: {
    config?: Partial<DiscordConfigInput>;
    fake?: Partial<FakeDiscordOptions>;
    deps?: Partial<DiscordAdapterDeps>;
    start?: boolean;
  } = {},
): Promise<DiscordHarness> {
  const fake = await FakeDiscord.start({ token: TOKEN, appId: APP_ID, guildId: GUILD_ID, ...options.fake });
  const log = memoryLog();
  const clock: Clock = { now: () => fake.state.now() };
  const config = discordConfigSchema.parse({
    token: TOKEN,
    appId: APP_ID,
    guildIds: [GUILD_ID],
    apiUrl: fake.apiUrl,
    ...options.config,
  });
  const adapter = createDiscordAdapter({ config, log, clock, commands: TEST_COMMANDS, ...options.deps });
  if (options.start !== false) await adapter.start(inbound);
  return {
    fake,
    adapter,
    log,
    clock,
    async close() {
      await adapter.stop();
      await fake.close();
    },
  };
}

/** Visible text of a Discord message: content, embed title, description, fields and footer. */
export function visibleText(m: FakeMessage): string {
  const parts: string[] = [];
  if (m.content && m.content !== "·") parts.push(m.content);
  for (const e of m.embeds as {
    title?: string;
    description?: string;
    fields?: { name: string; value: string }[];
    footer?: { text: string };
  }[]) {
    if (e.title) parts.push(e.title);
    if (e.description) parts.push(e.description);
    for (const f of e.fields ?? []) parts.push(`${f.name}: ${f.value}`);
    if (e.footer?.text) parts.push(e.footer.text);
  }
  return parts.join("\n");
}

export interface ShownButton {
  customId?: string;
  url?: string;
  label: string;
}

export function buttonsOf(m: FakeMessage): ShownButton[] {
  return (m.components as { components?: { custom_id?: string; url?: string; label: string }[] }[]).flatMap(
    (row) =>
      (row.components ?? []).map((c) => ({
        label: c.label,
        ...(c.custom_id ? { customId: c.custom_id } : {}),
        ...(c.url ? { url: c.url } : {}),
      })),
  );
}

/** The button id a custom_id carries, read without verifying it (a long id travels in the value). */
export function carriedId(customId: string): string {
  const parsed = parseCustomId(customId);
  if (!parsed) return customId;
  if (!parsed.actionId.startsWith("#")) return parsed.actionId;
  return Buffer.from(parsed.value.split(".")[3] ?? "", "base64url").toString("utf8");
}

/** Action buttons as the ids the bot gave them (unverified reading of the custom_id). */
export function actionIds(m: FakeMessage): string[] {
  return buttonsOf(m).flatMap((b) => (b.customId ? [carriedId(b.customId)] : []));
}

export function isEphemeral(m: FakeMessage): boolean {
  return (m.flags & EPHEMERAL) !== 0;
}

export async function eventually(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
