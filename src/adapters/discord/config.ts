/**
 * The `discord:` section of the bot's configuration, mounted in the root schema (src/bot/config/schema.ts);
 * the loader maps DISCORD_TOKEN (+ `_FILE`), DISCORD_APP_ID, DISCORD_GUILD_IDS, DISCORD_API_URL and
 * DISCORD_GATEWAY_URL onto it.
 */
import { z } from "zod";
import { positiveDuration } from "../../services/duration.js";
import { clearTextOnlyOnLoopback } from "../chat-kit/loopback-url.js";

const snowflake = z.string().regex(/^\d{17,20}$/, "a Discord id: 17 to 20 digits (Developer Mode → Copy ID)");

const CLEAR_TEXT =
  "plain http/ws would send the bot token in clear; use https:// or wss://, or http:// and ws:// only to a " +
  "local test server on 127.0.0.1, ::1 or localhost";

export const discordConfigSchema = z
  .object({
    token: z
      .string()
      .refine((t) => !/^Bot\s/i.test(t), "give the token without the 'Bot ' prefix")
      .refine(
        (t) => /^[A-Za-z0-9_-]{18,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$/.test(t),
        "a bot token is three dot-separated parts (Developer Portal → Bot → Reset Token)",
      )
      .describe("Bot token (DISCORD_TOKEN)"),
    appId: snowflake.describe("Application id (DISCORD_APP_ID); interaction webhooks are addressed by it"),
    guildIds: z
      .array(snowflake)
      .min(1, "list at least one guild (server) id the bot answers in")
      .describe("Guilds the bot answers in (DISCORD_GUILD_IDS, comma-separated); others are refused"),
    apiUrl: z
      .string()
      .regex(
        /^https?:\/\/\S+\/v\d+$/,
        "the REST base URL with the API version, e.g. https://discord.com/api/v10",
      )
      .refine(clearTextOnlyOnLoopback, CLEAR_TEXT)
      .default("https://discord.com/api/v10")
      .describe("REST base URL with the API version (DISCORD_API_URL), as `discord register` takes it"),
    gatewayUrl: z
      .string()
      .regex(/^wss?:\/\/[^\s?]+$/, "a ws(s) URL without a query, e.g. wss://gateway.discord.gg")
      .refine(clearTextOnlyOnLoopback, CLEAR_TEXT)
      .optional()
      .describe("Gateway URL (DISCORD_GATEWAY_URL); by default the one GET /gateway/bot names"),
    actionMaxAge: positiveDuration
      .default(7 * 86_400_000)
      .describe("Buttons older than this answer 'this action is no longer valid'"),
    handlers: z
      .object({
        concurrency: z.number().int().min(1).max(256).default(16).describe("Interactions handled at once"),
        maxQueued: z
          .number()
          .int()
          .min(1)
          .max(100_000)
          .default(5000)
          .describe("Deferred interactions waiting to be handled; beyond this the bot answers 'busy'"),
      })
      .strict()
      .default({ concurrency: 16, maxQueued: 5000 }),
  })
  .strict();

export type DiscordConfig = z.infer<typeof discordConfigSchema>;
export type DiscordConfigInput = z.input<typeof discordConfigSchema>;
