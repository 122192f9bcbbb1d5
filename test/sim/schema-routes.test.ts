import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PveSimulator, startPveSimulator } from "../../src/sim/pve/index.js";
import { ALL_ROUTES } from "../../src/sim/pve/routes/index.js";
import { ApiSchema } from "../../src/sim/pve/schema/api-schema.js";
import { call } from "./client.js";

const botEndpoints = JSON.parse(
  readFileSync(new URL("./fixtures/bot-endpoints.json", import.meta.url), "utf8"),
).endpoints as Array<{ method: string; path: string }>;

describe.each(["9.1", "8.4"] as const)("routes against the official PVE %s schema", (version) => {
  const apiSchema = ApiSchema.load(version);

  it("serves only (method, path) pairs that exist in the schema", () => {
    const missing = ALL_ROUTES.filter((r) => !apiSchema.find(r.method, r.path)).map(
      (r) => `${r.method} ${r.path}`,
    );
    expect(missing).toEqual([]);
    expect(ALL_ROUTES.length).toBeGreaterThanOrEqual(botEndpoints.length);
  });

  it("implements every endpoint the bot uses", () => {
    const served = new Set(ALL_ROUTES.map((r) => `${r.method} ${r.path}`));
    const absent = botEndpoints.map((e) => `${e.method} ${e.path}`).filter((k) => !served.has(k));
    expect(absent).toEqual([]);
  });

  it("has the method counts documented for this release", () => {
    const count = (m: string) => apiSchema.routes.filter((r) => r.method === m).length;
    const counts = { all: apiSchema.routes.length, GET: count("GET"), POST: count("POST") };
    expect(counts).toEqual(
      version === "9.1"
        ? { all: 649, GET: 327, POST: 169 }
        : { all: 605, GET: counts.GET, POST: counts.POST },
    );
  });
});

describe("walking every served route over HTTP", () => {
  let sim: PveSimulator;
  beforeAll(async () => {
    sim = await startPveSimulator({ tls: false });
  });
  afterAll(() => sim.close());

  it("never answers 501 for a served route, and answers 501 for a method the schema lacks", async () => {
    const fill = (path: string) =>
      path
        .replace("{node}", "pve1")
        .replace("{vmid}", "100")
        .replace("{storage}", "local")
        .replace("{snapname}", "nosuch")
        .replace("{volume}", "iso/none.iso")
        .replace("{upid}", "UPID:pve1:00001000:00001000:00001000:qmstart:100:bot@pve!chatops:");
    for (const route of ALL_ROUTES) {
      const res = await call(sim, route.method, fill(route.path));
      expect(res.status, `${route.method} ${route.path}`).not.toBe(501);
      expect(res.headers["content-type"]).toBe("application/json;charset=UTF-8");
    }
    const wrong = await call(sim, "PATCH", "/version");
    expect(wrong.status).toBe(501);
    const missingMethod = await call(sim, "DELETE", "/version");
    expect(missingMethod.status).toBe(501);
    expect(missingMethod.json).toEqual({ data: null, message: "Method 'DELETE /version' not implemented" });
  });
});
