import { describe, expect, it } from "vitest";
import { closeServersAfterEach, jsonOf, start } from "./helpers.js";

closeServersAfterEach();

describe("built-in endpoints", () => {
  it("/healthz answers 200 {status: ok}", async () => {
    const { base } = await start();
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(await jsonOf(res)).toEqual({ status: "ok" });
    const head = await fetch(`${base}/healthz`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });

  it("built-ins answer only GET and HEAD", async () => {
    const { base } = await start();
    const res = await fetch(`${base}/healthz`, { method: "POST", body: "x" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD");
  });

  it("/readyz is 200 when every check passes", async () => {
    const { base } = await start({
      readiness: [
        { name: "redis", check: async () => ({ ok: true }) },
        { name: "proxmox", check: async () => ({ ok: true, detail: "pve 9.1" }) },
      ],
    });
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(200);
    const body = await jsonOf(res);
    expect(body.status).toBe("ready");
    expect(body.checks.map((c: { name: string; ok: boolean }) => [c.name, c.ok])).toEqual([
      ["redis", true],
      ["proxmox", true],
    ]);
  });

  it("/readyz is 503 naming the checks that failed, threw or timed out, with secrets scrubbed", async () => {
    const { base } = await start({
      readinessTimeoutMs: 100,
      scrub: (text) => text.replaceAll("hunter2pass", "[redacted]"),
      readiness: [
        { name: "redis", check: async () => ({ ok: true }) },
        { name: "proxmox", check: async () => ({ ok: false, detail: "401 authentication failure" }) },
        {
          name: "store",
          check: async () => {
            throw new Error("connect ECONNREFUSED redis://:hunter2pass@127.0.0.1:1");
          },
        },
        { name: "slow", check: () => new Promise((r) => setTimeout(() => r({ ok: true }), 1000)) },
      ],
    });
    const started = Date.now();
    const res = await fetch(`${base}/readyz`);
    expect(Date.now() - started).toBeLessThan(900);
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(text).not.toContain("hunter2pass");
    const body = JSON.parse(text);
    expect(body.status).toBe("not ready");
    expect(body.failed).toEqual(["proxmox", "store", "slow"]);
    const byName = Object.fromEntries(body.checks.map((c: { name: string }) => [c.name, c]));
    expect(byName.proxmox.detail).toBe("401 authentication failure");
    expect(byName.store.detail).toBe("connect ECONNREFUSED redis://:[redacted]@127.0.0.1:1");
    expect(byName.slow.detail).toBe("no answer within 100 ms");
  });

  it("/readyz treats a check slower than 2 s as failed by default", async () => {
    const { base } = await start({
      readiness: [
        { name: "sluggish", check: () => new Promise((r) => setTimeout(() => r({ ok: true }), 2600)) },
      ],
    });
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect((await jsonOf(res)).checks[0].detail).toBe("no answer within 2000 ms");
  });

  it("/metrics serves the registry's text with job counts read at scrape time", async () => {
    const { base, metrics } = await start();
    metrics.observeCommand("vm.list", "ok", 0.2);
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe(metrics.contentType);
    const text = await res.text();
    expect(text).toContain('commands_total{command="vm.list",outcome="ok"} 1');
    expect(text).toContain('jobs{state="waiting"} 2');
  });

  it("answers 500 and logs when the metrics cannot be rendered", async () => {
    const { base, logs } = await start({
      metrics: { contentType: "text/plain", render: () => Promise.reject(new Error("registry broke")) },
    });
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(500);
    expect(await jsonOf(res)).toEqual({ error: "internal_error", message: "internal error" });
    expect(logs().some((l) => l.msg === "HTTP handler failed" && l.err.message === "registry broke")).toBe(
      true,
    );
  });

  it("answers 404 JSON for unknown paths", async () => {
    const { base } = await start();
    const res = await fetch(`${base}/nope?token=abc`);
    expect(res.status).toBe(404);
    expect(await jsonOf(res)).toEqual({ error: "not_found", message: "nothing at /nope" });
  });
});
