import { describe, expect, it } from "vitest";
import { connectionFromUrl } from "../../src/adapters/queue/connection.js";
import { clusterPrefix, hashTagOf, parseRedisUrl } from "../../src/adapters/store/redis-target.js";
import { loadConfig } from "../../src/bot/config/load.js";

describe("parseRedisUrl", () => {
  it("reads one server with credentials and a database", () => {
    expect(parseRedisUrl("redis://bot:p%40ss@db.internal:6380/2")).toEqual({
      mode: "single",
      options: { host: "db.internal", port: 6380, username: "bot", password: "p@ss", db: 2 },
    });
    expect(parseRedisUrl("redis://:pw@[::1]")).toMatchObject({ options: { host: "::1", port: 6379 } });
  });

  it("reads sentinels, the master name and TLS", () => {
    expect(parseRedisUrl("rediss+sentinel://:pw@s1:26379,s2:26380/mymaster/3")).toEqual({
      mode: "sentinel",
      options: {
        sentinels: [
          { host: "s1", port: 26379 },
          { host: "s2", port: 26380 },
        ],
        name: "mymaster",
        password: "pw",
        db: 3,
        tls: { rejectUnauthorized: true },
        enableTLSForSentinelMode: true,
      },
    });
  });

  it("reads cluster seeds", () => {
    expect(parseRedisUrl("redis+cluster://n1:7000,n2")).toEqual({
      mode: "cluster",
      nodes: [
        { host: "n1", port: 7000 },
        { host: "n2", port: 6379 },
      ],
      options: {},
    });
  });

  it("says what is wrong with a bad URL", () => {
    expect(() => parseRedisUrl("http://x")).toThrow("redis:// or rediss://");
    expect(() => parseRedisUrl("redis+sentinel://s1:26379")).toThrow("master's name");
    expect(() => parseRedisUrl("redis+sentinel:///m")).toThrow("at least one sentinel");
    expect(() => parseRedisUrl("redis+cluster://n1:7000/0")).toThrow("only database 0");
    expect(() => parseRedisUrl("redis://a:1,b:2")).toThrow(
      "redis+sentinel:// (sentinels) or redis+cluster://",
    );
    expect(() => parseRedisUrl("redis://h:99999")).toThrow("out of range");
    expect(() => connectionFromUrl("redis+cluster://n1:7000")).toThrow("needs a client");
  });
});

describe("hash-tagged prefixes", () => {
  it("wraps a prefix without a tag and keeps one that has it", () => {
    expect(clusterPrefix("pvebot:")).toBe("{pvebot}:");
    expect(clusterPrefix("prod:pvebot:")).toBe("{prod:pvebot}:");
    expect(clusterPrefix("prod:{pvebot}:")).toBe("prod:{pvebot}:");
    expect(hashTagOf("{pvebot}:bull:jobs:1")).toBe("pvebot");
    expect(hashTagOf("pvebot:")).toBeUndefined();
  });

  it("derives the cluster URL and prefix in the config, from cluster: true or the URL", () => {
    const viaFlag = loadConfig({ env: { REDIS_URL: "redis://n1:7000", PVEBOT_REDIS_CLUSTER: "true" } });
    expect(viaFlag.ok && viaFlag.config.redis).toEqual({
      url: "redis+cluster://n1:7000",
      prefix: "{pvebot}:",
      cluster: true,
    });
    const viaUrl = loadConfig({
      env: { REDIS_URL: "redis+cluster://n1:7000", PVEBOT_REDIS_PREFIX: "a:{b}:" },
    });
    expect(viaUrl.ok && viaUrl.config.redis).toEqual({
      url: "redis+cluster://n1:7000",
      prefix: "a:{b}:",
      cluster: true,
    });
    const single = loadConfig({ env: {} });
    expect(single.ok && single.config.redis.prefix).toBe("pvebot:");
  });

  it("refuses a bad URL or prefix with the reason", () => {
    const twoTags = loadConfig({ env: { PVEBOT_REDIS_PREFIX: "{a}:{b}:" } });
    expect(twoTags.ok).toBe(false);
    expect(!twoTags.ok && twoTags.errors.map((e) => e.message).join(" ")).toContain("at most one {hash-tag}");
    const clusterDb = loadConfig({ env: { REDIS_URL: "redis://n1:7000/2", PVEBOT_REDIS_CLUSTER: "true" } });
    expect(!clusterDb.ok && clusterDb.errors.map((e) => e.message).join(" ")).toContain("only database 0");
    const noMaster = loadConfig({ env: { REDIS_URL: "redis+sentinel://s1:26379" } });
    expect(!noMaster.ok && noMaster.errors.map((e) => e.message).join(" ")).toContain("master's name");
  });
});
