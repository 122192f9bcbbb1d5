/**
 * The behaviour every chat adapter owes the rest of the bot, written once and run against each adapter
 * through a harness. The harness plays the platform: it makes users type commands and press buttons the
 * way that platform delivers them (a terminal line, a signed Slack request, a Discord interaction), and
 * reports what the platform ended up showing. Everything platform-specific lives in the harness; this file
 * only speaks the ChatAdapter contract and the Reply model.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ActionEvent, ChatAdapter, Inbound, Invocation } from "../../src/adapters/chat.js";
import type { ConversationRef, MessageRef } from "../../src/services/vocabulary/identity.js";
import { mention } from "../../src/services/vocabulary/mention.js";
import type { Reply } from "../../src/services/vocabulary/reply.js";

/** A user as the platform knows them; the actor the adapter builds must carry exactly this identity. */
export interface PlatformUser {
  id: string;
  name: string;
  groups: string[];
}

/** One message as the platform shows it now, after any edits. */
export interface PlatformMessage {
  /** The platform's message id (equal to `MessageRef.messageId`); undefined for notes that cannot be edited. */
  id: string | undefined;
  /** All visible text: title, body, fields, table cells, in any layout. */
  text: string;
  /** Action ids of the buttons shown, in order (link buttons are in `links`). */
  buttons: string[];
  /** Link buttons (or printed links) as label and URL, in order. */
  links: { label: string; url: string }[];
  /** The message this one was posted in reply to (its thread root where the platform has threads). */
  threadOf?: string;
  /** How many times the message was edited in place. */
  edits: number;
  visibility: "ephemeral" | "channel";
}

export interface ContractHarness {
  /** Already started with `inbound`. */
  adapter: ChatAdapter;
  inbound: RecordingInbound;
  /** Where the contract posts and where the harness's users type. */
  conversation: ConversationRef;
  /** Two distinct users, so clicks can come from someone other than the requester. */
  users: [PlatformUser, PlatformUser];
  /** False where the platform cannot show a message to one user only; then visibility is not checked. */
  supportsEphemeral: boolean;
  /** True where a click can carry free text (a deny reason). */
  supportsActionValue: boolean;
  /**
   * True where replies form threads: a reply to a reply then lands in the first message's thread. Without
   * threads a reply names the message it answers.
   */
  supportsThreads: boolean;
  /** How the platform shows a mention of `user` in message text (Slack `<@U…>`, the console the name). */
  mentionOf(user: PlatformUser): string;
  /** A user types `text` as a bot command; resolves once the adapter has delivered the reply. */
  sendCommand(userId: string, text: string): Promise<void>;
  /** A user presses a button: a 0-based index into the message's buttons, or a button id. */
  click(userId: string, message: MessageRef, button: number | string, value?: string): Promise<void>;
  /** What the platform shows, oldest first. */
  received(): Promise<PlatformMessage[]>;
  close(): Promise<void>;
}

/** The bot side of the contract: records what arrives and answers with whatever a case configures. */
export class RecordingInbound implements Inbound {
  readonly invocations: Invocation[] = [];
  readonly actions: ActionEvent[] = [];
  commandReply: (invocation: Invocation) => Reply = (invocation) => ({
    text: `ok: ${invocation.text}`,
    visibility: "channel",
  });
  actionReply: (event: ActionEvent) => Reply | undefined = () => undefined;

  async onCommand(invocation: Invocation): Promise<Reply> {
    this.invocations.push(invocation);
    return this.commandReply(invocation);
  }

  async onAction(event: ActionEvent): Promise<Reply | undefined> {
    this.actions.push(event);
    return this.actionReply(event);
  }
}

const CARD: Reply = {
  tone: "warning",
  title: "Approval needed: template delete 9001",
  text: "Alice asks to delete template 9001.",
  fields: [{ label: "node", value: "pve-contract-node" }],
  buttons: [
    { id: "approval:contract-1:approve", label: "Approve", style: "primary" },
    { id: "approval:contract-1:deny", label: "Deny", style: "danger" },
  ],
  visibility: "channel",
};

function actorOf(platform: string, user: PlatformUser) {
  return { platform, id: user.id, name: user.name, groups: [...user.groups].sort() };
}

function normalized(actor: Invocation["actor"]) {
  return { ...actor, groups: [...actor.groups].sort() };
}

function only<T>(items: T[], what: string): T {
  expect(items, what).toHaveLength(1);
  return items[0]!;
}

export function describeChatAdapterContract(name: string, makeHarness: () => Promise<ContractHarness>): void {
  describe(`ChatAdapter contract: ${name}`, () => {
    let h: ContractHarness;

    beforeEach(async () => {
      h = await makeHarness();
    });

    afterEach(async () => {
      await h.close();
    });

    const shown = async (id: string) =>
      only(
        (await h.received()).filter((m) => m.id === id),
        `message ${id}`,
      );

    it("post returns a ref to a message the platform shows", async () => {
      const ref = await h.adapter.post(h.conversation, CARD);
      expect(ref.platform).toBe(h.adapter.platform);
      expect(ref.channelId).toBe(h.conversation.channelId);
      expect(ref.messageId).not.toBe("");
      const message = await shown(ref.messageId);
      expect(message.text).toContain("Approval needed: template delete 9001");
      expect(message.text).toContain("Alice asks to delete template 9001.");
      expect(message.text).toContain("pve-contract-node");
      expect(message.edits).toBe(0);
      expect(message.visibility).toBe("channel");
    });

    it("refs are plain JSON that survive a round trip through storage", async () => {
      const ref = await h.adapter.post(h.conversation, { text: "stored ref" });
      const revived = JSON.parse(JSON.stringify(ref)) as MessageRef;
      await h.adapter.update(revived, { text: "edited through a stored ref" });
      expect((await shown(ref.messageId)).text).toContain("edited through a stored ref");
    });

    it("update edits the same message instead of posting a new one", async () => {
      const ref = await h.adapter.post(h.conversation, { tone: "info", text: "step 1 of 3" });
      const before = (await h.received()).length;
      await h.adapter.update(ref, {
        tone: "info",
        text: "step 2 of 3",
        progress: { fraction: 0.5, step: "import" },
      });
      await h.adapter.update(ref, { tone: "success", text: "all 3 steps done" });
      expect((await h.received()).length).toBe(before);
      const message = await shown(ref.messageId);
      expect(message.text).toContain("all 3 steps done");
      expect(message.text).not.toContain("step 1 of 3");
      expect(message.edits).toBe(2);
    });

    it("an update can take the buttons away (a decided approval card)", async () => {
      const ref = await h.adapter.post(h.conversation, CARD);
      expect((await shown(ref.messageId)).buttons).toEqual(CARD.buttons!.map((b) => b.id));
      await h.adapter.update(ref, { tone: "success", text: "Approved by Bob" });
      const message = await shown(ref.messageId);
      expect(message.buttons).toEqual([]);
      expect(message.text).toContain("Approved by Bob");
    });

    it("a click delivers the button's action id with the clicking user's identity", async () => {
      const ref = await h.adapter.post(h.conversation, CARD);
      const [, approver] = h.users;
      await h.click(approver.id, ref, 0);
      await h.click(approver.id, ref, "approval:contract-1:deny");
      expect(h.inbound.actions.map((a) => a.actionId)).toEqual(CARD.buttons!.map((b) => b.id));
      for (const action of h.inbound.actions) {
        expect(normalized(action.actor)).toEqual(actorOf(h.adapter.platform, approver));
        expect(action.message.messageId).toBe(ref.messageId);
        expect(action.message.platform).toBe(h.adapter.platform);
        expect(action.conversation.channelId).toBe(h.conversation.channelId);
        expect(action.requestId).not.toBe("");
      }
      expect(h.inbound.actions[0]?.requestId).not.toBe(h.inbound.actions[1]?.requestId);
    });

    it("a click can carry a reason where the platform collects one", async () => {
      if (!h.supportsActionValue) return;
      const ref = await h.adapter.post(h.conversation, CARD);
      await h.click(h.users[1].id, ref, 1, "not during the change freeze");
      expect(only(h.inbound.actions, "actions").value).toBe("not during the change freeze");
    });

    it("a command's reply buttons can be clicked, and an action's reply is shown", async () => {
      h.inbound.commandReply = () => CARD;
      h.inbound.actionReply = (event) => ({
        tone: "success",
        text: `decision recorded for ${event.actor.name}`,
      });
      await h.sendCommand(h.users[0].id, "template delete 9001");
      const card = only(
        (await h.received()).filter((m) => m.buttons.includes("approval:contract-1:approve")),
        "card with buttons",
      );
      expect(card.id).toBeDefined();
      await h.click(h.users[1].id, { ...h.conversation, messageId: card.id! }, 0);
      expect(only(h.inbound.actions, "actions").actionId).toBe("approval:contract-1:approve");
      const texts = (await h.received()).map((m) => m.text).join("\n");
      expect(texts).toContain(`decision recorded for ${h.users[1].name}`);
    });

    it("the invocation carries the typing user's platform identity, the text and a fresh request id", async () => {
      const [first, second] = h.users;
      await h.sendCommand(first.id, "whoami");
      await h.sendCommand(second.id, "template list --node pve1");
      const [a, b] = h.inbound.invocations;
      expect(h.inbound.invocations).toHaveLength(2);
      expect(normalized(a!.actor)).toEqual(actorOf(h.adapter.platform, first));
      expect(normalized(b!.actor)).toEqual(actorOf(h.adapter.platform, second));
      expect(a!.text).toBe("whoami");
      expect(b!.text).toBe("template list --node pve1");
      expect(a!.conversation.platform).toBe(h.adapter.platform);
      expect(a!.conversation.channelId).toBe(h.conversation.channelId);
      expect(a!.requestId).not.toBe("");
      expect(a!.requestId).not.toBe(b!.requestId);
    });

    it("ephemeral replies are shown to the user only; channel replies to everyone", async () => {
      h.inbound.commandReply = (invocation) =>
        invocation.text === "secret"
          ? { tone: "info", text: "only for the requester", visibility: "ephemeral" }
          : { tone: "info", text: "for the whole channel", visibility: "channel" };
      await h.sendCommand(h.users[0].id, "secret");
      await h.sendCommand(h.users[0].id, "public");
      const messages = await h.received();
      const secret = only(
        messages.filter((m) => m.text.includes("only for the requester")),
        "ephemeral reply",
      );
      const open = only(
        messages.filter((m) => m.text.includes("for the whole channel")),
        "channel reply",
      );
      expect(open.visibility).toBe("channel");
      if (h.supportsEphemeral) expect(secret.visibility).toBe("ephemeral");
    });

    it("reply posts in the thread of a given message, leaving that message as it was", async () => {
      const card = await h.adapter.post(h.conversation, CARD);
      const answer = await h.adapter.reply(card, {
        tone: "info",
        text: "threaded answer",
        visibility: "channel",
      });
      expect(answer.platform).toBe(h.adapter.platform);
      expect(answer.messageId).not.toBe(card.messageId);
      const shownAnswer = await shown(answer.messageId);
      expect(shownAnswer.text).toContain("threaded answer");
      expect(shownAnswer.threadOf).toBe(card.messageId);
      expect((await shown(card.messageId)).edits).toBe(0);
      expect((await shown(card.messageId)).threadOf).toBeUndefined();
    });

    it("a reply to a reply stays with the first message where the platform has threads", async () => {
      const root = await h.adapter.post(h.conversation, { text: "alert fired" });
      const first = await h.adapter.reply(root, { text: "acknowledged" });
      const second = await h.adapter.reply(JSON.parse(JSON.stringify(first)) as MessageRef, {
        text: "resolved",
      });
      expect((await shown(second.messageId)).threadOf).toBe(
        h.supportsThreads ? root.messageId : first.messageId,
      );
    });

    it("mentions, link buttons and the context line are shown in the platform's own form", async () => {
      const [alice, bob] = h.users;
      const platform = h.adapter.platform;
      const ref = await h.adapter.post(h.conversation, {
        tone: "warning",
        title: "Disk almost full on pve1",
        text: `${mention({ platform, ...alice })} and ${mention({ platform, ...bob })}: please look`,
        links: [
          { label: "Dashboard", url: "https://grafana.example/d/abc?orgId=1" },
          { label: "Runbook", url: "https://runbooks.example/disk-full" },
        ],
        context: "Grafana · rule disk-usage · firing since 10:02 UTC",
        buttons: [{ id: "alert:1:ack", label: "Acknowledge" }],
        visibility: "channel",
      });
      const message = await shown(ref.messageId);
      expect(message.text).toContain(`${h.mentionOf(alice)} and ${h.mentionOf(bob)}: please look`);
      expect(message.text).not.toContain("‹@");
      expect(message.text).toContain("Grafana · rule disk-usage · firing since 10:02 UTC");
      expect(message.links).toEqual([
        { label: "Dashboard", url: "https://grafana.example/d/abc?orgId=1" },
        { label: "Runbook", url: "https://runbooks.example/disk-full" },
      ]);
      expect(message.buttons).toEqual(["alert:1:ack"]);
    });
  });
}
