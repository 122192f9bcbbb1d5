import { describe, expect, it } from "vitest";
import { DiscordOpenApi } from "./openapi.js";

const api = new DiscordOpenApi();
const button = (customId: string) => ({ type: 2, style: 1, label: "Go", custom_id: customId });

describe("Discord OpenAPI validator", () => {
  it("finds the operation of a concrete path, preferring literal segments, with or without /api/v10", () => {
    expect(api.route("/api/v10/webhooks/1/tok/messages/@original")).toBe(
      "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
    );
    expect(api.route("/webhooks/1/tok/messages/99")).toBe(
      "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
    );
    expect(api.route("/interactions/1/tok/callback?with_response=false")).toBe(
      "/interactions/{interaction_id}/{interaction_token}/callback",
    );
    expect(api.route("/nowhere/1")).toBeUndefined();
  });

  it("accepts well-formed bodies", () => {
    expect(api.check("POST", "/channels/1/messages", { content: "hi", embeds: [{ title: "t" }] })).toEqual({
      ok: true,
      operation: "POST /channels/{channel_id}/messages",
    });
    expect(api.check("POST", "/interactions/1/t/callback", { type: 5, data: { flags: 64 } }).ok).toBe(true);
    expect(
      api.check("POST", "/interactions/1/t/callback", {
        type: 8,
        data: { choices: [{ name: "a", value: "a" }] },
      }).ok,
    ).toBe(true);
    expect(api.check("GET", "/gateway/bot", undefined).ok).toBe(true);
  });

  it("refuses bodies Discord would refuse, saying what is wrong", () => {
    const cases: [string, string, unknown, RegExp][] = [
      [
        "PATCH",
        "/webhooks/1/t/messages/@original",
        { content: "x".repeat(2001) },
        /\/content must NOT have more than 2000/,
      ],
      [
        "POST",
        "/channels/1/messages",
        { embeds: Array.from({ length: 11 }, () => ({ title: "t" })) },
        /\/embeds must NOT have more than 10/,
      ],
      [
        "POST",
        "/channels/1/messages",
        { embeds: [{ title: "x".repeat(257) }] },
        /\/embeds\/0\/title must NOT have more than 256/,
      ],
      [
        "POST",
        "/channels/1/messages",
        { embeds: [{ fields: [{ name: "n" }] }] },
        /\/embeds\/0\/fields\/0 must have required property 'value'/,
      ],
      [
        "POST",
        "/channels/1/messages",
        { embeds: [{ color: 0x1000000 }] },
        /\/embeds\/0\/color must be <= 16777215/,
      ],
      [
        "POST",
        "/channels/1/messages",
        { components: [{ type: 1, components: [button("x".repeat(101))] }] },
        /custom_id must NOT have more than 100/,
      ],
      [
        "POST",
        "/channels/1/messages",
        { components: [{ type: 1, components: Array.from({ length: 6 }, (_, i) => button(`b${i}`)) }] },
        /\/components\/0\/components must NOT have more than 5/,
      ],
      [
        "POST",
        "/interactions/1/t/callback",
        { type: 42 },
        /\/type must be equal to one of the allowed values/,
      ],
      [
        "POST",
        "/interactions/1/t/callback",
        { type: 9, data: { custom_id: "m", title: "x".repeat(46), components: [] } },
        /\/data\/title must NOT have more than 45/,
      ],
      [
        "PUT",
        "/applications/1/commands",
        [{ name: "pve", description: "d".repeat(101) }],
        /description must NOT have more than 100/,
      ],
      ["PUT", "/applications/1/guilds/2/commands", { name: "pve" }, /must be array/],
    ];
    for (const [method, path, body, error] of cases) {
      const verdict = api.check(method, path, body);
      expect(verdict.ok, `${method} ${path} ${JSON.stringify(body).slice(0, 80)}`).toBe(false);
      if (!verdict.ok) expect(verdict.errors.join("\n")).toMatch(error);
    }
  });

  it("refuses an unknown route, a method the route lacks, and a body where none is taken", () => {
    expect(api.check("POST", "/nowhere", {})).toEqual({
      ok: false,
      errors: ["no such route: POST /nowhere"],
    });
    expect(api.check("PUT", "/channels/1/messages", {})).toMatchObject({
      ok: false,
      errors: [/is not an operation/],
    });
    expect(api.check("GET", "/gateway/bot", { a: 1 })).toMatchObject({
      ok: false,
      errors: [/takes no JSON body/],
    });
    expect(api.check("PUT", "/applications/1/commands", undefined)).toMatchObject({
      ok: false,
      errors: ["body required"],
    });
  });
});
