/**
 * The `redis` config section. The URL picks one server, Sentinel or a Cluster (see redis-target.ts);
 * `cluster: true` reads a plain `redis://host:port` as a Cluster seed instead. On a Cluster the deployment
 * prefix must carry a hash tag so every key of the deployment sits in one slot; a prefix without one is
 * wrapped (`pvebot:` → `{pvebot}:`), and the parsed config holds the effective URL and prefix, so every
 * consumer (stores, queue, replay guard, audit export) uses the same keys.
 */
import { z } from "zod";
import { clusterPrefix, isClusterUrl, parseRedisUrl, REDIS_URL_PATTERN } from "./redis-target.js";

const PART = "(?:[A-Za-z0-9_.-]+|\\{[A-Za-z0-9_.-]+\\})";
const PREFIX = new RegExp(`^${PART}(?::${PART})*:$`);

export const redisConfigSchema = z
  .object({
    url: z
      .string()
      .regex(REDIS_URL_PATTERN, "must start with redis://, rediss://, redis+sentinel:// or redis+cluster://")
      .superRefine((url, ctx) => {
        // The pattern above already reported a wrong scheme; say it once.
        if (!REDIS_URL_PATTERN.test(url)) return;
        try {
          parseRedisUrl(url);
        } catch (err) {
          ctx.addIssue({ code: "custom", message: err instanceof Error ? err.message : String(err) });
        }
      })
      .default("redis://127.0.0.1:6379")
      .describe(
        "redis://host:port[/db], redis+sentinel://s1:26379,s2:26379/master-name, or redis+cluster://seed1:6379,seed2:6379",
      ),
    prefix: z
      .string()
      .regex(
        PREFIX,
        "letters, digits, _ . - in colon-separated parts (one may be a {hash-tag}), ending in a colon, e.g. pvebot: or {pvebot}:",
      )
      .refine((prefix) => (prefix.match(/\{/g) ?? []).length <= 1, "at most one {hash-tag} part")
      .default("pvebot:"),
    cluster: z
      .boolean()
      .default(false)
      .describe("Treat the URL's host as a Redis Cluster seed (same as a redis+cluster:// URL)"),
  })
  .strict()
  .transform((redis, ctx) => {
    const cluster = redis.cluster || isClusterUrl(redis.url);
    if (!cluster) return redis;
    const url = isClusterUrl(redis.url) ? redis.url : redis.url.replace(/^(rediss?):/, "$1+cluster:");
    try {
      parseRedisUrl(url);
    } catch (err) {
      ctx.addIssue({
        code: "custom",
        path: ["url"],
        message: err instanceof Error ? err.message : String(err),
      });
      return z.NEVER;
    }
    return { url, prefix: clusterPrefix(redis.prefix), cluster: true };
  });
