/**
 * A button with a form, over real Bolt and the fake Slack: the click opens a modal with its trigger_id
 * (within Slack's modal limits, checked by the fake), the submission becomes the action with the answers in
 * `values`, and a forged origin in the modal's metadata reaches nothing.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { ActionEvent, Inbound } from "../../src/adapters/chat.js";
import { infoReply, type Reply } from "../../src/services/vocabulary/reply.js";
import {
  blockActionsPayload,
  buttonsOf,
  formPayload,
  postSigned,
  viewSubmissionPayload,
} from "../fakes/slack/index.js";
import { eventually, type HttpHarness, SIGNING_SECRET, startHttpHarness } from "./helpers.js";

const card: Reply = {
  title: "Firing: HostHighCpu",
  visibility: "channel",
  buttons: [
    { id: "alert:7f3a2c:ack", label: "Acknowledge", style: "primary" },
    {
      id: "alert:7f3a2c:silence",
      label: "Silence…",
      prompt: {
        title: "Silence alert group for a custom time",
        submit: "Silence",
        fields: [
          { id: "duration", label: "Duration (30m, 4h, 2d)", placeholder: "2h", maxLength: 10 },
          { id: "comment", label: "Comment", multiline: true, required: false, maxLength: 500 },
        ],
      },
    },
  ],
};

let h: HttpHarness;
const actions: ActionEvent[] = [];
const inbound: Inbound = {
  async onCommand() {
    return infoReply("ok");
  },
  async onAction(event) {
    actions.push(event);
    return infoReply(`got ${event.actionId}`);
  },
};
afterEach(async () => {
  await h?.close();
  actions.length = 0;
});

async function send(payload: Record<string, unknown>) {
  return postSigned(h.eventsUrl, SIGNING_SECRET, formPayload(payload));
}

describe("Slack button forms (modals)", () => {
  it("a click opens the form; its submission is the action with the answers", async () => {
    h = await startHttpHarness(inbound);
    const ref = await h.adapter.post({ platform: "slack", channelId: "C0OPS" }, card);
    const stored = h.fake.state.message("C0OPS", ref.messageId)!;
    const silence = buttonsOf(stored.blocks).find((b) => b.text === "Silence…")!;
    expect(
      (
        await send(
          blockActionsPayload(h.fake, {
            channelId: "C0OPS",
            messageTs: ref.messageId,
            actionId: silence.action_id,
            value: silence.value,
          }),
        )
      ).status,
    ).toBe(200);
    await eventually(() => h.fake.state.views.length === 1, 5000, "views.open");
    expect(actions).toEqual([]);
    const opened = h.fake.state.views[0]!;
    expect(opened.view).toMatchObject({
      type: "modal",
      callback_id: "pve-prompt",
      title: { type: "plain_text", text: "Silence alert group for…" },
      submit: { type: "plain_text", text: "Silence" },
      blocks: [
        {
          type: "input",
          block_id: "duration",
          optional: false,
          element: { type: "plain_text_input", max_length: 10, multiline: false },
        },
        {
          type: "input",
          block_id: "comment",
          optional: true,
          element: { type: "plain_text_input", multiline: true },
        },
      ],
    });
    expect(h.fake.state.calls.filter((c) => c.method === "views.open").map((c) => c.error)).toEqual([
      undefined,
    ]);

    expect(
      (await send(viewSubmissionPayload(h.fake, opened, { duration: "2d", comment: " rack move " }))).status,
    ).toBe(200);
    await eventually(() => actions.length === 1, 5000, "the action");
    expect(actions[0]).toMatchObject({
      actionId: "alert:7f3a2c:silence",
      values: { duration: "2d", comment: "rack move" },
      actor: { platform: "slack", id: "U0BOB" },
      message: { platform: "slack", channelId: "C0OPS", messageId: ref.messageId },
    });
  });

  it("a submission whose origin was tampered with does nothing", async () => {
    h = await startHttpHarness(inbound);
    const ref = await h.adapter.post({ platform: "slack", channelId: "C0OPS" }, card);
    const silence = buttonsOf(h.fake.state.message("C0OPS", ref.messageId)!.blocks).find(
      (b) => b.text === "Silence…",
    )!;
    await send(
      blockActionsPayload(h.fake, {
        channelId: "C0OPS",
        messageTs: ref.messageId,
        actionId: silence.action_id,
        value: silence.value,
      }),
    );
    await eventually(() => h.fake.state.views.length === 1, 5000, "views.open");
    const opened = h.fake.state.views[0]!;
    const origin = JSON.parse(String(opened.view.private_metadata));
    const forged = {
      ...opened,
      view: {
        ...opened.view,
        private_metadata: JSON.stringify({ ...origin, actionId: "alert:other:silence" }),
      },
    };
    expect((await send(viewSubmissionPayload(h.fake, forged, { duration: "1h" }))).status).toBe(200);
    await eventually(() => h.log.lines.some((l) => l.msg === "slack form refused"), 5000, "the refusal");
    expect(actions).toEqual([]);
  });

  it("a button without a form still acts at once", async () => {
    h = await startHttpHarness(inbound);
    const ref = await h.adapter.post({ platform: "slack", channelId: "C0OPS" }, card);
    const ack = buttonsOf(h.fake.state.message("C0OPS", ref.messageId)!.blocks).find(
      (b) => b.text === "Acknowledge",
    )!;
    await send(
      blockActionsPayload(h.fake, {
        channelId: "C0OPS",
        messageTs: ref.messageId,
        actionId: ack.action_id,
        value: ack.value,
      }),
    );
    await eventually(() => actions.length === 1, 5000, "the action");
    expect(actions[0]!.values).toBeUndefined();
    expect(h.fake.state.views).toEqual([]);
  });
});
