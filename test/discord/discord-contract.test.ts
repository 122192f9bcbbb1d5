/**
 * The ChatAdapter contract against the Discord adapter: real discord.js over the fake gateway and REST,
 * users typing `/pve` commands and pressing buttons (a danger button through its confirmation step), and
 * the fake reporting what Discord would show.
 */
import { expect } from "vitest";
import type { MessageRef } from "../../src/services/vocabulary/identity.js";
import {
  type ContractHarness,
  describeChatAdapterContract,
  type PlatformMessage,
  RecordingInbound,
} from "../contract/chat-adapter.contract.js";
import type { CommandOption, FakeUser } from "../fakes/discord/index.js";
import {
  ALICE,
  actionIds,
  BOB,
  buttonsOf,
  CHANNEL_ID,
  eventually,
  isEphemeral,
  startDiscordHarness,
  visibleText,
} from "./helpers.js";

const USERS: FakeUser[] = [ALICE, BOB];

/** `template list --node pve1` as the slash command `/pve template list node:pve1`. */
function asSlashCommand(text: string): { path: string[]; options: CommandOption[] } {
  const tokens = text.split(/\s+/).filter(Boolean);
  const path: string[] = [];
  while (path.length < 2 && tokens[0] && !tokens[0].startsWith("--")) path.push(tokens.shift()!);
  const options: CommandOption[] = [];
  for (let i = 0; i < tokens.length; i += 2)
    options.push({ name: tokens[i]!.slice(2), type: 3, value: tokens[i + 1]! });
  return { path: ["pve", ...path], options };
}

async function makeDiscordHarness(): Promise<ContractHarness> {
  const inbound = new RecordingInbound();
  const h = await startDiscordHarness(inbound);
  const user = (id: string) => USERS.find((u) => u.id === id)!;
  return {
    adapter: h.adapter,
    inbound,
    conversation: { platform: "discord", channelId: CHANNEL_ID },
    users: USERS.map((u) => ({ id: u.id, name: u.name, groups: u.roles })) as ContractHarness["users"],
    supportsEphemeral: true,
    supportsActionValue: false,
    supportsThreads: false,
    mentionOf: (u) => `<@${u.id}>`,
    async sendCommand(userId, text) {
      const before = inbound.invocations.length;
      const { path, options } = asSlashCommand(text);
      const interaction = h.fake.slashCommand(user(userId), path, options, { channelId: CHANNEL_ID });
      await h.fake.answered(interaction);
      await eventually(() => inbound.invocations.length > before, 5000, "the command to reach the inbound");
      await h.adapter.settled();
    },
    async click(userId, message: MessageRef, button, value) {
      if (value !== undefined)
        throw new Error("a Discord button carries no free text; a reason needs a form");
      const stored = h.fake.state.message(message.messageId);
      if (!stored) throw new Error(`no message ${message.messageId}`);
      const actions = buttonsOf(stored).filter((b) => b.customId);
      const ids = actionIds(stored);
      const chosen = typeof button === "number" ? actions[button] : actions[ids.indexOf(button)];
      if (!chosen?.customId) throw new Error(`no button ${String(button)} on message ${message.messageId}`);
      const before = inbound.actions.length;
      const click = h.fake.click(user(userId), stored, chosen.customId);
      const answer = await h.fake.answered(click);
      if (answer.type === 4) {
        // A destructive button asks first: the user confirms in the private step.
        const step = h.fake.state.message(click.originalId!)!;
        const confirm = buttonsOf(step)[0]!;
        await h.fake.answered(h.fake.click(user(userId), step, confirm.customId!));
      }
      await eventually(() => inbound.actions.length > before, 5000, "the click to reach the inbound");
      await h.adapter.settled();
    },
    async received() {
      return h.fake.state.visible(CHANNEL_ID).map(
        (m): PlatformMessage => ({
          id: m.id,
          text: visibleText(m),
          buttons: actionIds(m),
          links: buttonsOf(m).flatMap((b) => (b.url ? [{ label: b.label, url: b.url }] : [])),
          edits: m.edits,
          visibility: isEphemeral(m) ? "ephemeral" : "channel",
          ...(m.replyTo ? { threadOf: m.replyTo } : {}),
        }),
      );
    },
    async close() {
      const problems = [...h.fake.problems];
      await h.close();
      expect(problems, "REST calls the OpenAPI spec refuses").toEqual([]);
    },
  };
}

describeChatAdapterContract("discord", makeDiscordHarness);
