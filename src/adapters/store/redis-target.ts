/**
 * Which Redis a deployment talks to, read from one URL, and the one place that makes ioredis clients for
 * it. Three shapes:
 *
 * - `redis://[user:password@]host[:port][/db]` (or `rediss://`, TLS): one server;
 * - `redis+sentinel://[user:password@]host:port[,host:port…]/master-name[/db]` (or `rediss+sentinel://`):
 *   the sentinels are asked which server is the master, and asked again after a failover;
 * - `redis+cluster://[user:password@]host:port[,host:port…]` (or `rediss+cluster://`): seed nodes of a Redis
 *   Cluster; the client learns the slot map from them.
 *
 * On a Cluster every Lua script and MULTI must touch keys of one hash slot. The bot keeps that true by
 * putting a hash tag in the deployment prefix (`{pvebot}:`): every key of the deployment, BullMQ's too,
 * then lives in one slot (see `clusterPrefix`). The password in the URL is the data nodes' password; the
 * sentinels are asked without one.
 */
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from "ioredis";

/** A store or queue client: one server (possibly found through Sentinel) or a Cluster. */
export type RedisClient = Redis | Cluster;

interface HostPort {
  host: string;
  port: number;
}

export type RedisTarget =
  | { mode: "single"; options: RedisOptions }
  | { mode: "sentinel"; options: RedisOptions }
  | { mode: "cluster"; nodes: HostPort[]; options: RedisOptions };

/**
 * TLS settings for `rediss://`: verification is stated explicitly, so an environment variable that turns
 * off Node's process-wide default cannot switch it off. Extra CAs come from NODE_EXTRA_CA_CERTS, as for
 * every other connection.
 */
const VERIFIED_TLS = Object.freeze({ rejectUnauthorized: true });

const SCHEMES = /^(rediss?)(\+sentinel|\+cluster)?:\/\/(.*)$/;

/** The URL shapes the bot accepts, for error messages and the config schema. */
export const REDIS_URL_PATTERN = /^rediss?(\+sentinel|\+cluster)?:\/\//;

/** True for a `redis+cluster://` URL. */
export function isClusterUrl(url: string): boolean {
  return SCHEMES.exec(url)?.[2] === "+cluster";
}

/** Reads a URL (see the file comment); throws an Error saying what is wrong with it. */
export function parseRedisUrl(url: string): RedisTarget {
  const match = SCHEMES.exec(url);
  if (!match) {
    throw new Error(
      "a Redis URL must start with redis:// or rediss:// (redis+sentinel:// for Sentinel, redis+cluster:// for a Cluster)",
    );
  }
  const [, scheme, kind, rest] = match as unknown as [string, string, string | undefined, string];
  const at = rest.lastIndexOf("@");
  const credentials = at >= 0 ? rest.slice(0, at) : "";
  const afterAuth = at >= 0 ? rest.slice(at + 1) : rest;
  const slash = afterAuth.indexOf("/");
  const hostList = slash >= 0 ? afterAuth.slice(0, slash) : afterAuth;
  const path = slash >= 0 ? afterAuth.slice(slash + 1).replace(/\/$/, "") : "";
  const hosts = hostList === "" ? [] : hostList.split(",").map(parseHostPort);
  const auth = parseCredentials(credentials);
  const tls = scheme === "rediss" ? { tls: { ...VERIFIED_TLS } } : {};

  if (kind === "+sentinel") {
    if (hosts.length === 0) throw new Error("a redis+sentinel:// URL needs at least one sentinel host:port");
    const [name, db, extra] = path.split("/");
    if (!name) throw new Error("a redis+sentinel:// URL needs the master's name as its path, e.g. /mymaster");
    if (extra !== undefined) throw new Error("a redis+sentinel:// URL path is /master-name[/db]");
    return {
      mode: "sentinel",
      options: {
        sentinels: hosts,
        name: decodeURIComponent(name),
        ...auth,
        ...database(db ?? ""),
        ...(scheme === "rediss" ? { tls: { ...VERIFIED_TLS }, enableTLSForSentinelMode: true } : {}),
      },
    };
  }
  if (kind === "+cluster") {
    if (hosts.length === 0) throw new Error("a redis+cluster:// URL needs at least one seed host:port");
    if (path !== "") throw new Error("a Redis Cluster has only database 0; drop the path from the URL");
    return { mode: "cluster", nodes: hosts, options: { ...auth, ...tls } };
  }
  if (hosts.length > 1) {
    throw new Error("several hosts need redis+sentinel:// (sentinels) or redis+cluster:// (seed nodes)");
  }
  const [host = { host: "127.0.0.1", port: 6379 }] = hosts;
  return { mode: "single", options: { ...host, ...auth, ...database(path), ...tls } };
}

function parseHostPort(text: string): HostPort {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  const plain = /^([^:[\]]+)(?::(\d+))?$/.exec(text);
  const found = bracketed ?? plain;
  if (!found) throw new Error(`${JSON.stringify(text)} is not a host or host:port`);
  const port = found[2] === undefined ? 6379 : Number(found[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`port ${found[2]} is out of range`);
  return { host: found[1]!, port };
}

function parseCredentials(text: string): Pick<RedisOptions, "username" | "password"> {
  if (text === "") return {};
  const colon = text.indexOf(":");
  const username = decodeURIComponent(colon >= 0 ? text.slice(0, colon) : text);
  const password = colon >= 0 ? decodeURIComponent(text.slice(colon + 1)) : "";
  // `redis://:secret@host` names no user; `redis://secret@host` is read the way ioredis reads it, as a password.
  if (colon < 0) return { password: username };
  return { ...(username ? { username } : {}), ...(password ? { password } : {}) };
}

function database(text: string): Pick<RedisOptions, "db"> {
  if (text === "") return {};
  if (!/^\d+$/.test(text)) throw new Error("the Redis database in the URL path must be a number");
  return { db: Number(text) };
}

/** The hash tag in a prefix (`{pvebot}:` → `pvebot`), or undefined when it has none. */
export function hashTagOf(prefix: string): string | undefined {
  const open = prefix.indexOf("{");
  if (open < 0) return undefined;
  const close = prefix.indexOf("}", open + 1);
  return close > open + 1 ? prefix.slice(open + 1, close) : undefined;
}

/**
 * The prefix a Cluster deployment uses: the configured one when it already carries a hash tag, else the
 * whole prefix wrapped in one (`pvebot:` → `{pvebot}:`, `prod:pvebot:` → `{prod:pvebot}:`), so every key
 * the bot writes hashes to one slot and scripts and MULTIs never span nodes.
 */
export function clusterPrefix(prefix: string): string {
  if (hashTagOf(prefix) !== undefined) return prefix;
  return `{${prefix.replace(/:+$/, "")}}:`;
}

/**
 * A client for the target. `options` are per-connection settings (timeouts, retries, name); for a Cluster
 * they apply to every node connection, and the Cluster itself gets the matching offline-queue setting and
 * a reconnect strategy from `retryStrategy`.
 */
export function openRedisClient(target: RedisTarget, options: RedisOptions): RedisClient {
  if (target.mode !== "cluster") return new Redis({ ...target.options, ...options });
  const { retryStrategy, enableOfflineQueue, lazyConnect, ...perNode } = options;
  const clusterOptions: ClusterOptions = {
    redisOptions: { ...target.options, ...perNode },
    ...(enableOfflineQueue !== undefined ? { enableOfflineQueue } : {}),
    ...(lazyConnect !== undefined ? { lazyConnect } : {}),
    ...(retryStrategy ? { clusterRetryStrategy: (times: number) => retryStrategy(times) } : {}),
    // A key's slot moved during a resharding or failover: follow it a few times before giving up.
    maxRedirections: 16,
    retryDelayOnFailover: 200,
    ...(target.options.tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
  };
  return new Cluster(target.nodes, clusterOptions);
}

/**
 * Every key matching `pattern` on the target: SCAN on one server, on every master of a Cluster. The
 * callback gets the keys batch by batch.
 */
export async function scanKeys(
  client: RedisClient,
  pattern: string,
  onBatch: (keys: string[]) => Promise<void> | void,
): Promise<void> {
  const servers = client instanceof Cluster ? client.nodes("master") : [client];
  for (const server of servers) {
    let cursor = "0";
    do {
      const [next, keys] = await server.scan(cursor, "MATCH", pattern, "COUNT", 500);
      if (keys.length > 0) await onBatch(keys);
      cursor = next;
    } while (cursor !== "0");
  }
}
