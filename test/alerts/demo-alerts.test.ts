/**
 * The demo's `:alert`: the payload has every field of a real Grafana webhook (the saved sample), and the
 * signature verifies as Grafana's does (HMAC-SHA256 over `<timestamp>:<body>`), on a real local server.
 */
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { DEMO_WEBHOOK_SECRET, demoAlertCommand, demoGrafanaPayload } from "../../src/bot/demo-alerts.js";

const sample = JSON.parse(
  readFileSync(new URL("./fixtures/grafana-webhook-firing.json", import.meta.url), "utf8"),
);

describe("the demo's :alert", () => {
  it("sends Grafana's fields, top level and per alert", () => {
    const payload = demoGrafanaPayload("firing", 1_000, 2_000) as { alerts: object[] };
    expect(Object.keys(payload).sort()).toEqual(Object.keys(sample).sort());
    expect(Object.keys(payload.alerts[0]!).sort()).toEqual(Object.keys(sample.alerts[0]).sort());
  });

  it("signs the body with the timestamp as Grafana does; resolved keeps the firing start", async () => {
    const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => {
        received.push({ headers: req.headers, body });
        res.writeHead(received.length === 1 ? 202 : 404).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/grafana`;
    let now = 1_765_000_000_000;
    const command = demoAlertCommand(
      () => url,
      () => now,
    );
    expect(await command.run(["firing"])).toBe(
      "sent a firing Grafana alert (PveHostHighCpu on pve1); the bot answered 202",
    );
    const { headers, body } = received[0]!;
    const expected = createHmac("sha256", DEMO_WEBHOOK_SECRET)
      .update(`${headers["x-grafana-alerting-signature-timestamp"]}:${body}`)
      .digest("hex");
    expect(headers["x-grafana-alerting-signature"]).toBe(expected);
    now += 60_000;
    await expect(command.run(["resolved"])).rejects.toThrow(
      "this bot has no Grafana webhook (alerts are not configured)",
    );
    const resolved = JSON.parse(received[1]!.body);
    expect(resolved.alerts[0]).toMatchObject({
      status: "resolved",
      startsAt: new Date(1_765_000_000_000).toISOString(),
      endsAt: new Date(now).toISOString(),
    });
    await expect(command.run(["maybe"])).rejects.toThrow("usage: :alert firing or :alert resolved");
    await new Promise((r) => server.close(r));
  });
});
