import { describe, expect, it } from "vitest";
import { ButtonSigner } from "../../src/adapters/chat-kit/button-signer.js";
import {
  CONFIRM_CANCEL_ID,
  cancelledResponse,
  clickStepResponse,
} from "../../src/adapters/discord/render/click-steps.js";
import { DISCORD_BUTTONS, parseCustomId } from "../../src/adapters/discord/render/custom-id.js";
import { LIMITS } from "../../src/adapters/discord/render/limits.js";
import { messageBody, renderReply } from "../../src/adapters/discord/render/message.js";
import type { DiscordMessage } from "../../src/adapters/discord/render/types.js";
import { DiscordOpenApi } from "../fakes/discord/openapi.js";
import { RENDER_FIXTURES } from "./render-fixtures.js";

const NOW = 1_750_000_000_000;
const signer = new ButtonSigner("render-test-secret", { now: () => NOW }, 7 * 86_400_000, DISCORD_BUTTONS);
const api = new DiscordOpenApi();

/** Every limit Discord documents for a message, including the ones the OpenAPI spec does not state. */
function expectWithinLimits(m: DiscordMessage): void {
  expect(m.embeds.length).toBeLessThanOrEqual(LIMITS.embeds);
  let total = 0;
  for (const e of m.embeds) {
    expect(e.title?.length ?? 0).toBeLessThanOrEqual(LIMITS.title);
    expect(e.description?.length ?? 0).toBeLessThanOrEqual(LIMITS.description);
    expect(e.fields?.length ?? 0).toBeLessThanOrEqual(LIMITS.fields);
    for (const f of e.fields ?? []) {
      expect(f.name.length).toBeGreaterThan(0);
      expect(f.value.length).toBeGreaterThan(0);
      expect(f.name.length).toBeLessThanOrEqual(LIMITS.fieldName);
      expect(f.value.length).toBeLessThanOrEqual(LIMITS.fieldValue);
    }
    total += (e.title?.length ?? 0) + (e.description?.length ?? 0) + (e.footer?.text.length ?? 0);
    total += (e.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0);
  }
  expect(total).toBeLessThanOrEqual(LIMITS.embedTotal);
  expect(m.content?.length ?? 0).toBeLessThanOrEqual(LIMITS.content);
  expect(m.components.length).toBeLessThanOrEqual(LIMITS.rows);
  const customIds = m.components.flatMap((r) =>
    r.components.flatMap((b) => (b.custom_id ? [b.custom_id] : [])),
  );
  for (const row of m.components) expect(row.components.length).toBeLessThanOrEqual(LIMITS.buttonsPerRow);
  for (const id of customIds) expect(id.length).toBeLessThanOrEqual(LIMITS.customId);
  expect(new Set(customIds).size).toBe(customIds.length);
}

/** The message as the three kinds of REST call that carry it; each must be what Discord accepts. */
function expectAcceptedByDiscord(m: DiscordMessage): void {
  const body = messageBody(m);
  const { flags: _ephemeral, ...channelBody } = body;
  for (const [method, path, sent] of [
    ["POST", "/api/v10/channels/111/messages", channelBody],
    ["PATCH", "/api/v10/webhooks/222/tok/messages/@original", body],
    ["POST", "/api/v10/interactions/333/tok/callback", { type: 4, data: body }],
  ] as const) {
    expect(api.check(method, path, sent), `${method} ${path}`).toMatchObject({ ok: true });
  }
}

describe("Discord renderer", () => {
  for (const [name, reply] of Object.entries(RENDER_FIXTURES)) {
    it(`renders ${name} as saved in expected/${name}.json, within Discord's limits and its API spec`, async () => {
      const out = renderReply(reply, signer);
      await expect(`${JSON.stringify(out, null, 2)}\n`).toMatchFileSnapshot(`./expected/${name}.json`);
      expectWithinLimits(out);
      expectAcceptedByDiscord(out);
    });
  }

  it("signs every button so its click verifies back to the reply's button id", () => {
    const out = renderReply(RENDER_FIXTURES["deny-with-reason"]!, signer);
    const ids = out.components[0]!.components.map((b) => parseCustomId(b.custom_id!)!);
    expect(ids.map((p) => p.step)).toEqual(["none", "prompt"]);
    expect(ids.map((p) => signer.check(p.actionId, p.value))).toEqual([
      { ok: true, id: "approval:q9:approve" },
      { ok: true, id: "approval:q9:deny" },
    ]);
    expect(signer.check("approval:q9:approve", ids[1]!.value)).toEqual({ ok: false, reason: "unknown" });
    expect(parseCustomId("approval:q9:deny")).toBeUndefined();
  });

  it("answers a click on a form button with a modal whose submit carries the same signed id", () => {
    const out = renderReply(RENDER_FIXTURES["deny-with-reason"]!, signer);
    const deny = out.components[0]!.components[1]!.custom_id!;
    const modal = clickStepResponse(out.clickSteps![deny]!, deny);
    expect(api.check("POST", "/interactions/1/t/callback", modal)).toMatchObject({ ok: true });
    expect(modal).toMatchObject({
      type: 9,
      data: {
        title: "Why deny vm delete 120?",
        components: [{ type: 1, components: [{ type: 4, custom_id: "reason", style: 2, required: true }] }],
      },
    });
    const submitted = parseCustomId(modal.type === 9 ? modal.data.custom_id : "")!;
    expect(submitted.step).toBe("none");
    expect(signer.check(submitted.actionId, submitted.value)).toEqual({ ok: true, id: "approval:q9:deny" });
  });

  it("asks before a danger button acts, with an ephemeral confirmation whose confirm button acts", () => {
    const out = renderReply(RENDER_FIXTURES["kind-progress"]!, signer);
    const cancel = out.components[0]!.components[0]!;
    expect(cancel).toMatchObject({ style: 4, label: "Cancel" });
    expect(parseCustomId(cancel.custom_id!)!.step).toBe("confirm");
    const asked = clickStepResponse(out.clickSteps![cancel.custom_id!]!, cancel.custom_id!);
    expect(api.check("POST", "/interactions/1/t/callback", asked)).toMatchObject({ ok: true });
    expect(asked).toMatchObject({ type: 4, data: { flags: 64, embeds: [{ title: "Are you sure?" }] } });
    const [go, back] = asked.type === 4 ? asked.data.components[0]!.components : [];
    expect(back).toMatchObject({ custom_id: CONFIRM_CANCEL_ID, style: 2, label: "Back" });
    const closed = cancelledResponse();
    expect(api.check("POST", "/interactions/1/t/callback", closed)).toMatchObject({ ok: true });
    const confirmed = parseCustomId(go!.custom_id!)!;
    expect(confirmed.step).toBe("none");
    expect(signer.check(confirmed.actionId, confirmed.value)).toEqual({ ok: true, id: "job:42:cancel" });
  });
});
