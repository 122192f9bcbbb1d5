import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createWebhookHandler } from "../../../src/adapters/grafana/webhook-handler.js";
import { RedisAlertStore } from "../../../src/adapters/store/alert-store.js";
import { createRedis } from "../../../src/adapters/store/redis.js";
import type { RedisClient as Redis } from "../../../src/adapters/store/redis-target.js";
import { RedisReplayGuard } from "../../../src/adapters/store/replay-guard.js";
import { jsonOf } from "../../http/helpers.js";
import { closedPort, eachTestRedis, type LogEntry, memoryLog } from "../../store/helpers.js";
import { amPayload, FIXTURES, fixture, kindOf } from "./fixtures.js";
import { PASSWORD, post, SECRET, sign, startWebhooks, TOKEN } from "./harness.js";

let redis: Redis;
let prefix: string;
eachTestRedis((r, p) => {
  redis = r;
  prefix = p;
});
let entries: LogEntry[];
let hook: Awaited<ReturnType<typeof startWebhooks>>;
let now = Date.parse("2026-01-01T10:05:00Z");

beforeEach(async () => {
  entries = [];
  now = Date.parse("2026-01-01T10:05:00Z");
  hook = await startWebhooks({ redis, prefix, log: memoryLog(entries), now: () => now });
});
afterEach(async () => {
  await hook.server.close();
});

/** The production client pointed at a port nothing listens on: every command fails at once. */
async function unreachableRedis() {
  return createRedis(`redis://127.0.0.1:${await closedPort()}`, {
    log: memoryLog(),
    maxBackoffMs: 100,
    connectTimeoutMs: 200,
  });
}

const bearer = { authorization: `Bearer ${TOKEN}` };
const groupCount = () => redis.zcard(`${prefix}alerts:index`);
const STAMP = "X-Grafana-Alerting-Signature-Timestamp";

describe("every saved payload through its route", () => {
  it.each(FIXTURES)("%s is stored before the 200", async (file) => {
    const body = fixture(file);
    const res =
      kindOf(file) === "grafana"
        ? await post(hook.base, "/webhooks/grafana", body, { "X-Grafana-Alerting-Signature": sign(body) })
        : await post(hook.base, "/webhooks/alertmanager", body, bearer);
    expect(res.status).toBe(200);
    const answer = await jsonOf(res);
    expect(answer).toMatchObject({ status: "stored", changed: true });
    const group = await hook.alerts.store.get(answer.group);
    expect(Object.keys(group!.alerts).sort()).toEqual(
      JSON.parse(body)
        .alerts.map((a: { fingerprint: string }) => a.fingerprint)
        .sort(),
    );
    expect(group?.messages).toEqual([
      { route: "default", conversation: { platform: "console", channelId: "alerts" } },
    ]);
  });
});

describe("HMAC", () => {
  const body = fixture("grafana-firing-values-v11.json");

  it("over the body; a wrong or missing signature is 401 and stores nothing", async () => {
    const wrong = sign(`${body} `);
    const attempts: Record<string, string>[] = [
      { "X-Grafana-Alerting-Signature": wrong },
      {},
      { "X-Grafana-Alerting-Signature": "zz" },
    ];
    for (const headers of attempts) {
      const res = await post(hook.base, "/webhooks/grafana", body, headers);
      expect(res.status).toBe(401);
    }
    expect(await groupCount()).toBe(0);
    const ok = await post(hook.base, "/webhooks/grafana", body, {
      "X-Grafana-Alerting-Signature": sign(body).toUpperCase(),
    });
    expect(ok.status).toBe(200);
    expect(JSON.stringify(entries)).not.toContain(SECRET);
  });

  it("over <timestamp>:<body> with a replay window; stale and reused signatures are refused", async () => {
    const ts = String(Math.floor(now / 1000));
    const headers = { "X-Grafana-Alerting-Signature": sign(body, ts), [STAMP]: ts };
    expect((await post(hook.base, "/webhooks/grafana-ts", body, headers)).status).toBe(200);
    const replay = await post(hook.base, "/webhooks/grafana-ts", body, headers);
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ error: "replay" });
    // The body signed without the timestamp does not pass where the timestamp is required.
    const unstamped = await post(hook.base, "/webhooks/grafana-ts", body, {
      "X-Grafana-Alerting-Signature": sign(body),
      [STAMP]: ts,
    });
    expect(unstamped.status).toBe(401);
    const old = String(Math.floor(now / 1000) - 301);
    const stale = await post(hook.base, "/webhooks/grafana-ts", body, {
      "X-Grafana-Alerting-Signature": sign(body, old),
      [STAMP]: old,
    });
    expect(stale.status).toBe(401);
    expect(await stale.json()).toMatchObject({ error: "stale" });
    const fresh = String(Math.floor(now / 1000) + 200);
    const again = await post(hook.base, "/webhooks/grafana-ts", body, {
      "X-Grafana-Alerting-Signature": sign(body, fresh),
      [STAMP]: fresh,
    });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ changed: false });
  });
});

describe("bearer and basic", () => {
  const body = JSON.stringify(amPayload("auth", 2));

  it("a wrong or missing token is 401 with a challenge", async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${TOKEN}x` },
      { authorization: `Basic ${TOKEN}` },
    ];
    for (const headers of attempts) {
      const res = await post(hook.base, "/webhooks/alertmanager", body, headers);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe('Bearer realm="alerts"');
    }
    expect((await post(hook.base, "/webhooks/alertmanager", body, bearer)).status).toBe(200);
  });

  it("basic auth needs both the user and the password", async () => {
    const basic = (user: string, pw: string) => ({
      authorization: `Basic ${Buffer.from(`${user}:${pw}`).toString("base64")}`,
    });
    expect((await post(hook.base, "/webhooks/am-basic", body, basic("am", "nope"))).status).toBe(401);
    expect((await post(hook.base, "/webhooks/am-basic", body, basic("root", PASSWORD))).status).toBe(401);
    expect((await post(hook.base, "/webhooks/am-basic", body, bearer)).status).toBe(401);
    expect((await post(hook.base, "/webhooks/am-basic", body, basic("am", PASSWORD))).status).toBe(200);
  });

  it("an unauthenticated source allowed by config takes calls, and the bot warned about it", async () => {
    expect((await post(hook.base, "/webhooks/open", body)).status).toBe(200);
    expect(entries.some((e) => e.level === "warn" && String(e.msg).includes("unauthenticated"))).toBe(true);
  });
});

describe("bad bodies", () => {
  it("415 for another media type, 400 for broken JSON, 400 naming the field; nothing stored", async () => {
    const good = JSON.stringify(amPayload("bad", 1));
    const text = await post(hook.base, "/webhooks/alertmanager", good, {
      ...bearer,
      "content-type": "text/plain",
    });
    expect(text.status).toBe(415);
    const broken = await post(hook.base, "/webhooks/alertmanager", "{", bearer);
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ error: "json" });
    const spoiled = amPayload("bad", 2);
    (spoiled.alerts[1] as { startsAt: string }).startsAt = "soon";
    const invalid = await post(hook.base, "/webhooks/alertmanager", JSON.stringify(spoiled), bearer);
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ error: "payload", field: "alerts.1.startsAt" });
    expect(await groupCount()).toBe(0);
    const metrics = await (await fetch(`${hook.base}/metrics`)).text();
    expect(metrics).toContain('alert_webhooks_rejected_total{source="alertmanager",reason="payload"} 1');
    expect(metrics).toContain('alert_webhooks_rejected_total{source="alertmanager",reason="media_type"} 1');
  });

  it("413 over the body limit, nothing stored", async () => {
    await hook.server.close();
    hook = await startWebhooks({ redis, prefix, log: memoryLog(entries), bodyLimit: 2048 });
    const big = JSON.stringify(amPayload("big", 30));
    expect(big.length).toBeGreaterThan(2048);
    const res = await post(hook.base, "/webhooks/alertmanager", big, bearer);
    expect(res.status).toBe(413);
    expect(await groupCount()).toBe(0);
  });
});

describe("duplicates and metrics", () => {
  it("the same call twice changes nothing and counts as duplicates", async () => {
    const body = JSON.stringify(amPayload("dup", 4));
    const first = await jsonOf(await post(hook.base, "/webhooks/alertmanager", body, bearer));
    const stored = await hook.alerts.store.get(first.group);
    const second = await (await post(hook.base, "/webhooks/alertmanager", body, bearer)).json();
    expect(second).toEqual({ status: "stored", group: first.group, changed: false });
    expect(await hook.alerts.store.get(first.group)).toEqual(stored);
    const metrics = await (await fetch(`${hook.base}/metrics`)).text();
    expect(metrics).toContain('alerts_received_total{source="alertmanager"} 8');
    expect(metrics).toContain('alerts_stored_total{source="alertmanager"} 4');
    expect(metrics).toContain('alerts_duplicates_total{source="alertmanager"} 4');
  });

  it("listeners hear about changes only, and a failing one does not fail the webhook", async () => {
    const heard: number[] = [];
    hook.alerts.onChanged(() => {
      throw new Error("chat is down");
    });
    hook.alerts.onChanged((r) => {
      heard.push(r.group.version);
    });
    const body = JSON.stringify(amPayload("listen", 1));
    expect((await post(hook.base, "/webhooks/alertmanager", body, bearer)).status).toBe(200);
    expect((await post(hook.base, "/webhooks/alertmanager", body, bearer)).status).toBe(200);
    await hook.alerts.ingest.settled();
    expect(heard).toEqual([1]);
    expect(entries.some((e) => e.level === "error" && String(e.msg).includes("alert listener failed"))).toBe(
      true,
    );
  });
});

describe("Redis unavailable", () => {
  it("answers 503 with Retry-After and the sender's retry goes through once Redis is back", async () => {
    const down = await unreachableRedis();
    const dead = await startWebhooks({ redis: down, prefix, log: memoryLog(entries), now: () => now });
    try {
      const body = JSON.stringify(amPayload("down", 2));
      const res = await post(dead.base, "/webhooks/alertmanager", body, bearer);
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("5");
      const bodyG = fixture("grafana-resolved-v9.json");
      const ts = String(Math.floor(now / 1000));
      const headers = {
        "X-Grafana-Alerting-Signature": sign(bodyG, ts),
        "X-Grafana-Alerting-Signature-Timestamp": ts,
      };
      expect((await post(dead.base, "/webhooks/grafana-ts", bodyG, headers)).status).toBe(503);
      // The same signed call, retried against a working store, is not taken for a replay.
      expect((await post(hook.base, "/webhooks/grafana-ts", bodyG, headers)).status).toBe(200);
      expect((await post(hook.base, "/webhooks/alertmanager", body, bearer)).status).toBe(200);
    } finally {
      await dead.server.close();
      down.disconnect();
    }
  });
});

describe("a signed call the store could not take", () => {
  it("gives its replay claim back, so the sender's retry of the same signature is accepted", async () => {
    const down = await unreachableRedis();
    const ledger = RedisReplayGuard.on(redis, prefix);
    const auth = {
      type: "hmac",
      secret: SECRET,
      header: "X-Grafana-Alerting-Signature",
      timestampHeader: STAMP,
      replayWindow: 300_000,
    } as const;
    const source = { name: "grafana", kind: "grafana", auth } as const;
    const handlerOn = (store: RedisAlertStore) =>
      createWebhookHandler({
        source,
        ingest: (batch) => store.ingest(batch, () => []),
        ledger,
        now: () => now,
        log: memoryLog(),
      });
    try {
      const body = Buffer.from(fixture("grafana-resolved-v9.json"));
      const ts = String(Math.floor(now / 1000));
      const headers = {
        "content-type": "application/json",
        "x-grafana-alerting-signature": sign(body.toString(), ts),
        [STAMP.toLowerCase()]: ts,
      };
      const failed = await handlerOn(new RedisAlertStore(down, { prefix }))({ headers, body });
      expect(failed.status).toBe(503);
      const retried = await handlerOn(new RedisAlertStore(redis, { prefix }))({ headers, body });
      expect(retried.status).toBe(200);
      const replayed = await handlerOn(new RedisAlertStore(redis, { prefix }))({ headers, body });
      expect(replayed).toMatchObject({ status: 401, body: { error: "replay" } });
    } finally {
      down.disconnect();
    }
  });
});
