/**
 * The `slack:` section of the bot's configuration, mounted in the root schema (src/bot/config/schema.ts);
 * the loader maps SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_APP_TOKEN (+ `_FILE`) and SLACK_API_URL onto it.
 */
import { z } from "zod";
import { duration, positiveDuration } from "../../services/duration.js";
import { clearTextOnlyOnLoopback } from "../chat-kit/loopback-url.js";

export const slackConfigSchema = z
  .object({
    mode: z
      .enum(["http", "socket"])
      .default("http")
      .describe(
        "http: Slack posts to /slack/events (signing secret); socket: outbound WebSocket (app token)",
      ),
    botToken: z
      .string()
      .regex(/^xoxb-[A-Za-z0-9-]+$/, "a bot token starts with xoxb-")
      .describe("Bot User OAuth Token (SLACK_BOT_TOKEN)"),
    signingSecret: z
      .string()
      .regex(/^[A-Za-z0-9]{16,128}$/, "the signing secret is the hex string from Basic Information")
      .optional()
      .describe("Signing Secret; required in http mode (SLACK_SIGNING_SECRET)"),
    appToken: z
      .string()
      .regex(/^xapp-[A-Za-z0-9-]+$/, "an app-level token starts with xapp-")
      .optional()
      .describe("App-level token with connections:write; required in socket mode (SLACK_APP_TOKEN)"),
    apiUrl: z
      .string()
      .regex(/^https?:\/\/[^\s]+$/, "an http(s) URL, e.g. https://slack.com/api/")
      .refine(clearTextOnlyOnLoopback, {
        message:
          "plain http would send the bot token in clear; use https://, or http:// only to a local test " +
          "server on 127.0.0.1, ::1 or localhost",
      })
      .default("https://slack.com/api/")
      .describe(
        "Web API base URL; point it elsewhere for tests or an egress proxy (SLACK_API_URL). https, or http to a loopback address only",
      ),
    command: z
      .string()
      .regex(/^\/[a-z0-9_-]{1,31}$/, "a slash command like /pve (lower case, at most 32 characters)")
      .default("/pve"),
    groupCacheTtl: duration.default(300_000).describe("How long user-group memberships are cached"),
    actionMaxAge: positiveDuration
      .default(7 * 86_400_000)
      .describe("Buttons older than this answer 'this action is no longer valid'"),
    handlers: z
      .object({
        concurrency: z
          .number()
          .int()
          .min(1)
          .max(256)
          .default(16)
          .describe("Commands and clicks handled at once; they mostly wait on Proxmox, Redis and Slack"),
        maxQueued: z
          .number()
          .int()
          .min(1)
          .max(100_000)
          .default(5000)
          .describe("Acked requests waiting to be handled; beyond this the bot answers 'busy'"),
      })
      .strict()
      .default({ concurrency: 16, maxQueued: 5000 }),
    outbox: z
      .object({
        maxAttempts: z
          .number()
          .int()
          .min(1)
          .max(20)
          .default(10)
          .describe(
            "Tries for 5xx and network errors (10 with the default backoffs ride out about 2 minutes)",
          ),
        backoff: positiveDuration
          .default(500)
          .describe("First retry delay after a 5xx; doubles each attempt"),
        maxBackoff: positiveDuration.default(30_000).describe("Longest delay between two retries"),
        maxRetryAfter: positiveDuration
          .default(120_000)
          .describe("Longest Retry-After honoured before giving up"),
        pacing: z
          .boolean()
          .default(true)
          .describe(
            "Send at Slack's published rates (1 message/s per channel, each method's tier) instead of waiting for 429s",
          ),
      })
      .strict()
      .default({ maxAttempts: 10, backoff: 500, maxBackoff: 30_000, maxRetryAfter: 120_000, pacing: true }),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.mode === "http" && !c.signingSecret) {
      ctx.addIssue({
        code: "custom",
        path: ["signingSecret"],
        message: "http mode needs the signing secret (SLACK_SIGNING_SECRET)",
      });
    }
    if (c.mode === "socket" && !c.appToken) {
      ctx.addIssue({
        code: "custom",
        path: ["appToken"],
        message: "socket mode needs an app-level token (SLACK_APP_TOKEN)",
      });
    }
  });

export type SlackConfig = z.infer<typeof slackConfigSchema>;
export type SlackConfigInput = z.input<typeof slackConfigSchema>;
