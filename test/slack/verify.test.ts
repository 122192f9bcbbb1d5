import { describe, expect, it } from "vitest";
import { computeSignature, verifySlackSignature } from "../../src/adapters/slack/verify.js";

// Slack's published example ("Verifying requests from Slack"), also used by bolt-js and python-slack-sdk.
const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const TIMESTAMP = "1531420618";
const BODY =
  "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
const SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
const at = (sec: number) => ({ now: () => sec * 1000 });

describe("Slack request signature", () => {
  it("accepts Slack's official test vector", () => {
    expect(computeSignature(SECRET, TIMESTAMP, BODY)).toBe(SIGNATURE);
    const r = verifySlackSignature(
      SECRET,
      { signature: SIGNATURE, timestamp: TIMESTAMP },
      BODY,
      at(1531420618),
    );
    expect(r).toEqual({ ok: true });
  });

  it("accepts the vector up to five minutes either side", () => {
    for (const skew of [-300, 300]) {
      const r = verifySlackSignature(
        SECRET,
        { signature: SIGNATURE, timestamp: TIMESTAMP },
        BODY,
        at(1531420618 + skew),
      );
      expect(r.ok).toBe(true);
    }
  });

  it("refuses a stale request and one dated in the future", () => {
    for (const skew of [301, -301, 3600]) {
      const r = verifySlackSignature(
        SECRET,
        { signature: SIGNATURE, timestamp: TIMESTAMP },
        BODY,
        at(1531420618 + skew),
      );
      expect(r).toEqual({ ok: false, reason: "stale" });
    }
  });

  it("refuses a tampered body, a wrong secret, another version and missing headers", () => {
    const clock = at(1531420618);
    const ok = { signature: SIGNATURE, timestamp: TIMESTAMP };
    expect(verifySlackSignature(SECRET, ok, BODY.replace("text=", "text=x"), clock)).toEqual({
      ok: false,
      reason: "mismatch",
    });
    expect(verifySlackSignature(`${SECRET}0`, ok, BODY, clock)).toEqual({ ok: false, reason: "mismatch" });
    expect(
      verifySlackSignature(SECRET, { ...ok, signature: SIGNATURE.replace("v0=", "v1=") }, BODY, clock),
    ).toEqual({
      ok: false,
      reason: "bad-version",
    });
    expect(verifySlackSignature(SECRET, { ...ok, signature: "v0=abc" }, BODY, clock)).toEqual({
      ok: false,
      reason: "mismatch",
    });
    expect(verifySlackSignature(SECRET, { signature: undefined, timestamp: TIMESTAMP }, BODY, clock)).toEqual(
      {
        ok: false,
        reason: "missing-headers",
      },
    );
    expect(verifySlackSignature(SECRET, { ...ok, timestamp: "15314e6" }, BODY, clock)).toEqual({
      ok: false,
      reason: "bad-timestamp",
    });
  });
});
