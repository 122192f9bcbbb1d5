/** The `http:` section: defaults, limits that make sense, and an admin port apart from the public one. */
import { describe, expect, it } from "vitest";
import { httpConfigSchema } from "../../src/bot/config/http.js";
import { configSchema } from "../../src/bot/config/schema.js";
import { limitsFrom } from "../../src/bot/http/surface.js";

describe("http config", () => {
  it("has bounded defaults, and no admin port unless asked", () => {
    const http = configSchema.parse({}).http;
    expect(http).toEqual({
      port: 8080,
      host: "0.0.0.0",
      adminHost: "127.0.0.1",
      maxBodyBytes: 1024 * 1024,
      headersTimeout: 10_000,
      requestTimeout: 30_000,
      keepAliveTimeout: 5_000,
      maxConnections: 1024,
    });
    expect(limitsFrom(http)).toEqual({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      maxConnections: 1024,
      maxBodyBytes: 1024 * 1024,
    });
  });

  it("reads durations and an admin port", () => {
    const http = httpConfigSchema.parse({ adminPort: 9090, headersTimeout: "5s", keepAliveTimeout: 750 });
    expect(http).toMatchObject({
      adminPort: 9090,
      adminHost: "127.0.0.1",
      headersTimeout: 5000,
      keepAliveTimeout: 750,
    });
  });

  it.each([
    [{ headersTimeout: "0s" }, "headersTimeout", /positive duration/],
    [{ keepAliveTimeout: 0 }, "keepAliveTimeout", /./],
    [{ headersTimeout: "40s", requestTimeout: "30s" }, "headersTimeout", /not be longer than requestTimeout/],
    [{ port: 8080, adminPort: 8080 }, "adminPort", /must differ from http.port/],
    [{ maxBodyBytes: 10 }, "maxBodyBytes", /./],
    [{ maxConnections: 0 }, "maxConnections", /./],
    [{ readTimeout: "1s" }, "", /unrecognized/i],
  ])("refuses %j", (input, path, message) => {
    const result = httpConfigSchema.safeParse(input);
    expect(result.success).toBe(false);
    const issue = result.error!.issues[0]!;
    expect(issue.path.join(".")).toBe(path);
    expect(issue.message).toMatch(message);
  });
});
