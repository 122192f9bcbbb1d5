/**
 * The ChatAdapter contract against the Slack adapter: real Bolt over HTTP, users typing signed `/pve`
 * commands and clicking buttons through the fake Slack, which reports what Slack would show.
 */
import type { MessageRef } from "../../src/services/vocabulary/identity.js";
import {
  type ContractHarness,
  describeChatAdapterContract,
  type PlatformMessage,
  RecordingInbound,
} from "../contract/chat-adapter.contract.js";
import {
  blockActionsPayload,
  buttonsOf,
  formPayload,
  postSigned,
  slashCommandBody,
} from "../fakes/slack/index.js";
import { eventually, SIGNING_SECRET, startHttpHarness } from "./helpers.js";

const CHANNEL = "C0CONTRACT";
const USERS: ContractHarness["users"] = [
  { id: "U0ALICE", name: "alice", groups: ["S0OPS"] },
  { id: "U0BOB", name: "bob", groups: ["S0APPROVERS", "S0OPS"] },
];

/** Visible text of Block Kit blocks, unescaped as Slack shows it. */
function visibleText(blocks: unknown[] | undefined, fallback: string): string {
  const parts: string[] = [];
  for (const raw of blocks ?? []) {
    const b = raw as {
      text?: { text: string };
      fields?: { text: string }[];
      elements?: { text?: unknown }[];
      type: string;
    };
    if (b.text) parts.push(b.text.text);
    for (const f of b.fields ?? []) parts.push(f.text);
    if (b.type === "context") for (const e of b.elements ?? []) parts.push(String(e.text));
  }
  const text = parts.length > 0 ? parts.join("\n") : fallback;
  return text.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");
}

async function makeSlackHarness(): Promise<ContractHarness> {
  const inbound = new RecordingInbound();
  const h = await startHttpHarness(inbound);
  h.fake.state.usergroups.push(
    { id: "S0OPS", handle: "ops", users: ["U0ALICE", "U0BOB"] },
    { id: "S0APPROVERS", handle: "approvers", users: ["U0BOB"] },
  );
  const nameOf = (id: string) => USERS.find((u) => u.id === id)?.name ?? id;

  return {
    adapter: h.adapter,
    inbound,
    conversation: { platform: "slack", channelId: CHANNEL },
    users: USERS,
    supportsEphemeral: true,
    supportsActionValue: false,
    supportsThreads: true,
    mentionOf: (user) => `<@${user.id}>`,
    async sendCommand(userId, text) {
      const before = inbound.invocations.length;
      const { body } = slashCommandBody(h.fake, {
        text,
        userId,
        userName: nameOf(userId),
        channelId: CHANNEL,
      });
      const res = await postSigned(h.eventsUrl, SIGNING_SECRET, body);
      if (res.status !== 200) throw new Error(`slash command answered ${res.status}`);
      await eventually(() => inbound.invocations.length > before, 5000, "the command to reach the inbound");
      await h.adapter.settled();
    },
    async click(userId, message: MessageRef, button, value) {
      if (value !== undefined)
        throw new Error("Slack buttons carry no free text; a deny reason needs a modal");
      const stored = h.fake.state.message(message.channelId, message.messageId);
      if (!stored) throw new Error(`no message ${message.messageId} in ${message.channelId}`);
      const buttons = buttonsOf(stored.blocks);
      const chosen =
        typeof button === "number" ? buttons[button] : buttons.find((b) => b.action_id === button);
      if (!chosen) throw new Error(`no button ${String(button)} on message ${message.messageId}`);
      const before = inbound.actions.length;
      const payload = blockActionsPayload(h.fake, {
        channelId: stored.channel,
        messageTs: stored.ts,
        actionId: chosen.action_id,
        value: chosen.value,
        userId,
        userName: nameOf(userId),
      });
      const res = await postSigned(h.eventsUrl, SIGNING_SECRET, formPayload(payload));
      if (res.status !== 200) throw new Error(`click answered ${res.status}`);
      await eventually(() => inbound.actions.length > before, 5000, "the click to reach the inbound");
      await h.adapter.settled();
    },
    async received() {
      const shown: (PlatformMessage & { seq: number })[] = [];
      for (const m of h.fake.state.messages) {
        if (m.channel !== CHANNEL) continue;
        shown.push({
          seq: m.seq,
          id: m.ts,
          text: visibleText(m.blocks, m.text),
          buttons: buttonsOf(m.blocks)
            .filter((b) => b.url === undefined)
            .map((b) => b.action_id),
          links: buttonsOf(m.blocks).flatMap((b) =>
            b.url !== undefined ? [{ label: b.text, url: b.url }] : [],
          ),
          edits: m.edits,
          visibility: m.ephemeralTo ? "ephemeral" : "channel",
          ...(m.threadTs ? { threadOf: m.threadTs } : {}),
        });
      }
      for (const p of h.fake.state.responsePosts) {
        if (p.status !== 200) continue;
        shown.push({
          seq: p.seq,
          id: undefined,
          text: visibleText(p.body.blocks as unknown[] | undefined, String(p.body.text ?? "")),
          buttons: buttonsOf(p.body.blocks as unknown[] | undefined).map((b) => b.action_id),
          links: [],
          edits: 0,
          visibility: p.body.response_type === "in_channel" ? "channel" : "ephemeral",
        });
      }
      return shown.sort((a, b) => a.seq - b.seq).map(({ seq: _seq, ...m }) => m);
    },
    close: () => h.close(),
  };
}

describeChatAdapterContract("slack", makeSlackHarness);
