/**
 * The silence client against a spec-checking Alertmanager (both the 0.25 spec Debian ships and 0.34), and
 * Grafana's built-in one (its base path, 202 on create): every request it makes must be an operation of
 * the spec with a body the spec defines; failures are E_UNAVAILABLE naming host and status only.
 */
import { afterEach, describe, expect, it } from "vitest";
import { AlertmanagerSilenceClient } from "../../src/adapters/grafana/silence-client.js";
import { UserError } from "../../src/services/errors.js";
import { type FakeAlertmanager, startFakeAlertmanager } from "./fake-alertmanager.js";

let am: FakeAlertmanager | undefined;
afterEach(async () => {
  await am?.close();
  am = undefined;
});

const request = {
  matchers: [
    { name: "alertname", value: "HostHighCpu", isRegex: false as const, isEqual: true as const },
    { name: "instance", value: "pve1:9221", isRegex: false as const, isEqual: true as const },
  ],
  startsAt: Date.UTC(2026, 11, 4, 12),
  endsAt: Date.UTC(2026, 11, 4, 16),
  createdBy: "Ada (slack:U1)",
  comment: "disk swap",
};

describe.each([
  { version: "0.25" as const, grafana: false },
  { version: "0.34" as const, grafana: false },
  { version: "0.34" as const, grafana: true },
])("silences on Alertmanager $version (grafana: $grafana)", (setup) => {
  it("creates, lists and expires a silence with requests the spec allows", async () => {
    am = await startFakeAlertmanager(setup);
    const client = new AlertmanagerSilenceClient({ url: am.url, auth: { type: "bearer", token: "t0ken" } });
    const { id } = await client.create(request);
    expect(am.silences.get(id)?.body).toMatchObject({
      matchers: request.matchers,
      startsAt: "2026-12-04T12:00:00.000Z",
      endsAt: "2026-12-04T16:00:00.000Z",
      createdBy: "Ada (slack:U1)",
    });
    const listed = await client.list();
    expect(listed).toEqual([expect.objectContaining({ id, state: "active", endsAt: request.endsAt })]);
    await client.expire(id);
    expect((await client.list())[0]?.state).toBe("expired");
    expect(am.problems).toEqual([]);
    expect(am.requests.map((r) => r.authorization)).toEqual(Array(4).fill("Bearer t0ken"));
  });
});

describe("the spec check itself", () => {
  it("refuses a body with a field the spec does not define, and an id that is not a uuid", async () => {
    am = await startFakeAlertmanager({ version: "0.25" });
    const bad = await fetch(`${am.url}/api/v2/silences`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...request, startsAt: "soon", endsAt: "later", annotations: {} }),
    });
    expect(bad.status).toBe(400);
    expect(am.problems.join("\n")).toMatch(/startsAt must match format "date-time"[\s\S]*annotations/);
    const client = new AlertmanagerSilenceClient({ url: am.url });
    await expect(client.expire("not-a-uuid")).rejects.toThrow(/answered 400/);
  });
});

describe("failures", () => {
  it("says which host and status, never the credentials", async () => {
    am = await startFakeAlertmanager({ version: "0.25" });
    const client = new AlertmanagerSilenceClient({
      url: am.url,
      auth: { type: "basic", username: "bot", password: "s3cret" },
    });
    am.failNext(500, "boom");
    const err = await client.create(request).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).code).toBe("E_UNAVAILABLE");
    expect((err as Error).message).toMatch(
      /^could not create the silence in Alertmanager at 127\.0\.0\.1:\d+: it answered 500: boom$/,
    );
    expect((err as Error).message).not.toMatch(/s3cret|bot/);
    expect(am.requests[0]?.authorization).toBe(`Basic ${Buffer.from("bot:s3cret").toString("base64")}`);
  });

  it("reports an Alertmanager that does not answer", async () => {
    const client = new AlertmanagerSilenceClient({ url: "http://127.0.0.1:1", timeoutMs: 500 });
    await expect(client.list()).rejects.toThrow(
      /could not list silences in Alertmanager at 127\.0\.0\.1:1: no connection/,
    );
  });

  it("refuses credentials in the URL", () => {
    expect(() => new AlertmanagerSilenceClient({ url: "http://u:p@am:9093" })).toThrow(/auth settings/);
  });
});
