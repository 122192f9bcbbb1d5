import { describe, expect, it } from "vitest";
import {
  collectSecretValues,
  createScrubber,
  isSecretKey,
  REDACTED,
  redactConfig,
  scrubSecrets,
} from "../../src/bot/config/redact.js";

const sample = {
  redis: { url: "redis://default:r3d1s-pass@cache:6379/0", prefix: "pvebot:" },
  proxmox: { url: "https://pve:8006", tokenId: "bot@pve!ops", tokenSecret: "0f1e2d3c-uuid-secret" },
  slack: { botToken: "xoxb-123-abc", signingSecret: "signing-123", apiUrl: "https://slack.test/api/" },
  webhooks: [{ name: "grafana", password: "basic-auth-pw", headers: { "X-Api-Key": "key-9876" } }],
  nested: { deeper: { accessToken: { value: "object-under-token-key" } } },
  counts: { tokens: null, port: 8080 },
};

describe("redactConfig", () => {
  it("replaces every secret and keeps everything else", () => {
    const shown = redactConfig(sample);
    expect(shown.redis.url).toBe(`redis://default:${REDACTED}@cache:6379/0`);
    expect(shown.redis.prefix).toBe("pvebot:");
    expect(shown.proxmox).toEqual({ url: "https://pve:8006", tokenId: REDACTED, tokenSecret: REDACTED });
    expect(shown.slack).toEqual({
      botToken: REDACTED,
      signingSecret: REDACTED,
      apiUrl: "https://slack.test/api/",
    });
    expect(shown.webhooks[0]).toEqual({
      name: "grafana",
      password: REDACTED,
      headers: { "X-Api-Key": REDACTED },
    });
    expect(shown.nested.deeper.accessToken).toBe(REDACTED);
    expect(shown.counts).toEqual({ tokens: null, port: 8080 });
  });

  it("does not modify its input", () => {
    const before = JSON.stringify(sample);
    redactConfig(sample);
    expect(JSON.stringify(sample)).toBe(before);
  });

  it("knows the schema's secret keys and secret-looking names", () => {
    for (const key of [
      "password",
      "token",
      "secret",
      "signingSecret",
      "botToken",
      "appToken",
      "tokenSecret",
    ]) {
      expect(isSecretKey(key)).toBe(true);
    }
    for (const key of ["PASSWORD", "dbPasswd", "apiKey", "api_key", "refreshToken"])
      expect(isSecretKey(key)).toBe(true);
    for (const key of ["url", "prefix", "host", "name", "port"]) expect(isSecretKey(key)).toBe(false);
  });
});

describe("collectSecretValues and scrubbing", () => {
  it("collects the actual secret strings, longest first, including URL passwords", () => {
    const values = collectSecretValues(sample);
    expect(new Set(values)).toEqual(
      new Set([
        "r3d1s-pass",
        "bot@pve!ops",
        "0f1e2d3c-uuid-secret",
        "xoxb-123-abc",
        "signing-123",
        "basic-auth-pw",
        "key-9876",
        "object-under-token-key",
      ]),
    );
    for (let i = 1; i < values.length; i++)
      expect(values[i - 1]!.length).toBeGreaterThanOrEqual(values[i]!.length);
  });

  it("decodes a percent-encoded URL password", () => {
    expect(collectSecretValues({ url: "redis://:p%40ss%2Fw0rd@h:1" })).toEqual(["p@ss/w0rd"]);
  });

  it("scrubs every occurrence, the longer secret first, and leaves short ones alone", () => {
    expect(scrubSecrets("a abcdef b abcdefgh c abcdef", ["abcdef", "abcdefgh", "ab"])).toBe(
      `a ${REDACTED} b ${REDACTED} c ${REDACTED}`,
    );
    expect(scrubSecrets("tab ab", ["ab"])).toBe("tab ab");
  });

  it("scrubs extra spellings given by the encoder", () => {
    const scrub = createScrubber(['pa"ss'], (s) => [s, JSON.stringify(s).slice(1, -1)]);
    expect(scrub('{"msg":"x pa\\"ss y"}')).toBe(`{"msg":"x ${REDACTED} y"}`);
  });
});
