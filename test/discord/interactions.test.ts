/**
 * Interactions end to end through real discord.js and the fake: deferral within Discord's 3 s and with the
 * answer's visibility, the answer filling the deferred response (or replacing it when the visibility
 * differs), typed options as command text, identity and refusals, signed buttons (forged, stale, the
 * confirmation step, forms as modals) and autocomplete within its budget.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { ActionEvent, AutocompleteRequest, Invocation, RefusedClick } from "../../src/adapters/chat.js";
import { DM_REFUSAL, GUILD_REFUSAL } from "../../src/adapters/discord/identity.js";
import { UNKNOWN_COMMAND } from "../../src/adapters/discord/interactions.js";
import type { Reply } from "../../src/services/vocabulary/reply.js";
import { EPHEMERAL } from "../fakes/discord/index.js";
import {
  ALICE,
  actionIds,
  BOB,
  buttonsOf,
  CHANNEL_ID,
  type DiscordHarness,
  eventually,
  startDiscordHarness,
  visibleText,
} from "./helpers.js";

class TestInbound {
  readonly invocations: Invocation[] = [];
  readonly actions: ActionEvent[] = [];
  readonly refused: RefusedClick[] = [];
  readonly asked: AutocompleteRequest[] = [];
  commandReply: (inv: Invocation) => Promise<Reply> | Reply = () => ({ text: "ok", visibility: "ephemeral" });
  actionReply: (e: ActionEvent) => Reply | undefined = () => ({ text: "done", visibility: "ephemeral" });
  suggest: (r: AutocompleteRequest) => Promise<{ name: string; value: string }[]> = async () => [];
  async onCommand(inv: Invocation) {
    this.invocations.push(inv);
    return this.commandReply(inv);
  }
  async onAction(e: ActionEvent) {
    this.actions.push(e);
    return this.actionReply(e);
  }
  async onRefusedClick(c: RefusedClick): Promise<Reply> {
    this.refused.push(c);
    return {
      tone: "danger",
      text: `refused: ${c.reason}`,
      visibility: "ephemeral",
      errorCode: "E_UNKNOWN_ACTION",
    };
  }
  async onAutocomplete(r: AutocompleteRequest) {
    this.asked.push(r);
    return this.suggest(r);
  }
}

let h: DiscordHarness | undefined;
afterEach(async () => {
  const problems = [...(h?.fake.problems ?? [])];
  await h?.close();
  h = undefined;
  expect(problems, "REST calls the OpenAPI spec refuses").toEqual([]);
});

const CARD: Reply = {
  tone: "warning",
  title: "Approval needed",
  text: "delete template 9001",
  buttons: [
    { id: "approval:abc:approve", label: "Approve", style: "primary" },
    { id: "approval:abc:deny", label: "Deny", style: "danger" },
    {
      id: "approval:abc:deny-why",
      label: "Deny with reason",
      prompt: { title: "Deny", submit: "Deny", fields: [{ id: "reason", label: "Why?", multiline: true }] },
    },
  ],
  visibility: "channel",
};

async function start(inbound: TestInbound, visibility: Record<string, "ephemeral" | "channel"> = {}) {
  h = await startDiscordHarness(inbound as never, {
    deps: { visibilityOf: (command) => visibility[command] ?? "ephemeral" },
  });
  return h;
}

async function settle(h: DiscordHarness) {
  await new Promise((r) => setTimeout(r, 20));
  await h.adapter.settled();
}

describe("discord commands", () => {
  it("defers at once, ephemeral for a read, and the answer fills the deferred response", async () => {
    const inbound = new TestInbound();
    let release: () => void = () => {};
    inbound.commandReply = () =>
      new Promise((resolve) => {
        release = () => resolve({ title: "Nodes", text: "pve1 online", visibility: "ephemeral" });
      });
    const h = await start(inbound);
    const interaction = h.fake.slashCommand(ALICE, ["pve", "nodes"], [], { channelId: CHANNEL_ID });
    const callback = await h.fake.answered(interaction);
    expect(callback.type).toBe(5);
    expect(callback.data).toMatchObject({ flags: EPHEMERAL });
    expect(callback.at - interaction.createdAt).toBeLessThan(3000);
    await eventually(() => inbound.invocations.length === 1, 5000, "the command");
    release();
    await settle(h);
    const original = h.fake.state.message(interaction.originalId!)!;
    expect(visibleText(original)).toContain("pve1 online");
    expect(original.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(original.edits).toBe(0);
  });

  it("passes typed options as the command line the parser reads, and by schema key", async () => {
    const inbound = new TestInbound();
    const h = await start(inbound);
    const i = h.fake.slashCommand(
      ALICE,
      ["pve", "template", "build"],
      [
        { name: "distro", type: 3, value: "ubuntu-24.04" },
        { name: "node", type: 3, value: "pve 1" },
        { name: "dry-run", type: 5, value: true },
      ],
    );
    await h.fake.answered(i);
    await eventually(() => inbound.invocations.length === 1, 5000, "the command");
    const inv = inbound.invocations[0]!;
    expect(inv.text).toBe('template build --node "pve 1" --dry-run -- ubuntu-24.04');
    expect(inv.args).toEqual({ distro: "ubuntu-24.04", node: "pve 1", dryRun: true });
    expect(inv.actor).toEqual({ platform: "discord", id: ALICE.id, name: "alice", groups: ALICE.roles });
  });

  it("an action is deferred publicly; a refusal then replaces the public 'thinking' with a private answer", async () => {
    const inbound = new TestInbound();
    inbound.commandReply = () => ({
      tone: "danger",
      text: "no such VM",
      errorCode: "E_NOT_FOUND",
      visibility: "ephemeral",
    });
    const h = await start(inbound, { "vm.start": "channel" });
    const i = h.fake.slashCommand(BOB, ["pve", "vm", "start"], [{ name: "vmid", type: 4, value: 999 }]);
    expect((await h.fake.answered(i)).data).toEqual({});
    await eventually(() => inbound.invocations.length === 1, 5000, "the command");
    await settle(h);
    const shown = h.fake.state.visible(CHANNEL_ID);
    expect(shown).toHaveLength(1);
    expect(visibleText(shown[0]!)).toContain("no such VM");
    expect(shown[0]!.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(h.fake.state.message(i.originalId!)).toBeUndefined();
  });

  it("a card posted while the ephemeral deferral waits is a channel message of the bot", async () => {
    const inbound = new TestInbound();
    inbound.commandReply = async (inv) => {
      await h!.adapter.post(inv.conversation, CARD);
      return { text: "approval requested", visibility: "ephemeral" };
    };
    const h = await start(inbound);
    const i = h.fake.slashCommand(ALICE, ["pve", "template", "delete"]);
    await h.fake.answered(i);
    await eventually(() => inbound.invocations.length === 1, 5000, "the command");
    await settle(h);
    const shown = h.fake.state.visible(CHANNEL_ID);
    const card = shown.find((m) => m.author === "bot");
    const note = shown.find((m) => m.author === "interaction");
    expect(shown).toHaveLength(2);
    expect(actionIds(card!)).toEqual(CARD.buttons!.map((b) => b.id));
    expect(note!.id).toBe(i.originalId);
    expect(visibleText(note!)).toContain("approval requested");
  });

  it("refuses a DM and a guild that is not configured, saying why, without running anything", async () => {
    const inbound = new TestInbound();
    const h = await start(inbound);
    const dm = h.fake.slashCommand(ALICE, ["pve", "whoami"], [], {
      guildId: null,
      channelId: "1100000000000000009",
    });
    const other = h.fake.slashCommand(ALICE, ["pve", "whoami"], [], {
      guildId: "1000000000000000777",
      channelId: "1100000000000000008",
    });
    for (const [interaction, text] of [
      [dm, DM_REFUSAL],
      [other, GUILD_REFUSAL],
    ] as const) {
      const answer = await h.fake.answered(interaction);
      expect(answer.type).toBe(4);
      expect(answer.data).toMatchObject({ flags: EPHEMERAL });
      expect(visibleText(h.fake.state.message(interaction.originalId!)!)).toContain(text);
    }
    await settle(h);
    expect(inbound.invocations).toEqual([]);
  });
});

describe("discord registration drift", () => {
  it("answers a subcommand the bot does not know (an old registration) at once, saying how to fix it", async () => {
    const inbound = new TestInbound();
    const h = await start(inbound);
    const i = h.fake.slashCommand(ALICE, ["pve", "frobnicate"]);
    expect(await h.fake.answered(i)).toMatchObject({ type: 4, data: { flags: EPHEMERAL } });
    expect(visibleText(h.fake.state.message(i.originalId!)!)).toContain(UNKNOWN_COMMAND);
    await settle(h);
    expect(inbound.invocations).toEqual([]);
  });
});

describe("discord failures", () => {
  it("logs a failed initial response without the interaction token", async () => {
    const inbound = new TestInbound();
    const h = await start(inbound);
    h.fake.failNext(/^\/interactions\//, 500);
    const i = h.fake.slashCommand(ALICE, ["pve", "nodes"]);
    await eventually(
      () => h.log.lines.some((l) => l.msg === "discord interaction failed"),
      5000,
      "the failure log",
    );
    expect(h.log.dump()).toContain("/interactions/");
    expect(h.log.dump()).not.toContain(i.token);
    expect(inbound.invocations).toEqual([]);
  });
});

describe("discord buttons", () => {
  async function postCard(h: DiscordHarness) {
    const ref = await h.adapter.post({ platform: "discord", channelId: CHANNEL_ID }, CARD);
    return h.fake.state.message(ref.messageId)!;
  }

  it("a plain click is deferred as an update and reaches the dispatcher with the clicker and the card", async () => {
    const inbound = new TestInbound();
    const h = await start(inbound);
    const card = await postCard(h);
    const click = h.fake.click(BOB, card, buttonsOf(card)[0]!.customId!);
    expect((await h.fake.answered(click)).type).toBe(6);
    await eventually(() => inbound.actions.length === 1, 5000, "the click");
    await settle(h);
    expect(inbound.actions[0]).toMatchObject({
      actionId: "approval:abc:approve",
      actor: { id: BOB.id, groups: BOB.roles },
      message: { platform: "discord", channelId: CHANNEL_ID, messageId: card.id },
    });
    const reply = h.fake.state.visible(CHANNEL_ID).at(-1)!;
    expect(visibleText(reply)).toContain("done");
    expect(reply.flags & EPHEMERAL).toBe(EPHEMERAL);
  });

  it("a tampered or stale custom id is refused through onRefusedClick", async () => {
    const inbound = new TestInbound();
    const h = await start(inbound);
    const card = await postCard(h);
    const good = buttonsOf(card)[0]!.customId!;
    const forged = good.replace("approve", "deny");
    const click = h.fake.click(BOB, card, forged);
    expect((await h.fake.answered(click)).data).toMatchObject({ flags: EPHEMERAL });
    await eventually(() => inbound.refused.length === 1, 5000, "the refusal");
    await settle(h);
    expect(visibleText(h.fake.state.message(click.originalId!)!)).toContain("refused: forged");
    h.fake.state.advance(8 * 86_400_000);
    h.fake.click(BOB, card, good);
    await eventually(() => inbound.refused.length === 2, 5000, "the stale refusal");
    await settle(h);
    expect(inbound.refused.map((r) => r.reason)).toEqual(["forged", "stale"]);
    expect(inbound.actions).toEqual([]);
  });

  it("a danger button asks first; Back does nothing, Confirm acts on the card", async () => {
    const inbound = new TestInbound();
    const h = await start(inbound);
    const card = await postCard(h);
    const deny = buttonsOf(card)[1]!.customId!;
    const first = h.fake.click(BOB, card, deny);
    expect(await h.fake.answered(first)).toMatchObject({ type: 4, data: { flags: EPHEMERAL } });
    const step = h.fake.state.message(first.originalId!)!;
    const [confirm, back] = buttonsOf(step);
    const cancelled = h.fake.click(BOB, step, back!.customId!);
    expect((await h.fake.answered(cancelled)).type).toBe(7);
    expect(h.fake.state.message(step.id)!.components).toEqual([]);
    const again = h.fake.click(BOB, card, deny);
    await h.fake.answered(again);
    const step2 = h.fake.state.message(again.originalId!)!;
    const confirmed = h.fake.click(BOB, step2, buttonsOf(step2)[0]!.customId!);
    expect((await h.fake.answered(confirmed)).type).toBe(7);
    await eventually(() => inbound.actions.length === 1, 5000, "the confirmed click");
    await settle(h);
    expect(confirm!.label).toBe("Deny");
    expect(inbound.actions[0]).toMatchObject({
      actionId: "approval:abc:deny",
      message: { messageId: card.id },
    });
  });

  it("a button with a form opens a modal; the submit carries the answers", async () => {
    const inbound = new TestInbound();
    const h = await start(inbound);
    const card = await postCard(h);
    const open = h.fake.click(BOB, card, buttonsOf(card)[2]!.customId!);
    const answer = await h.fake.answered(open);
    expect(answer.type).toBe(9);
    const modal = answer.data as {
      custom_id: string;
      title: string;
      components: { components: { custom_id: string }[] }[];
    };
    expect(modal.title).toBe("Deny");
    expect(modal.components[0]!.components[0]!.custom_id).toBe("reason");
    const submit = h.fake.submitModal(BOB, card, modal.custom_id, { reason: "change freeze" });
    expect((await h.fake.answered(submit)).type).toBe(6);
    await eventually(() => inbound.actions.length === 1, 5000, "the submit");
    expect(inbound.actions[0]).toMatchObject({
      actionId: "approval:abc:deny-why",
      values: { reason: "change freeze" },
      message: { messageId: card.id },
    });
  });
});

describe("discord autocomplete", () => {
  it("answers the focused option's suggestions, and none when they are late", async () => {
    const inbound = new TestInbound();
    inbound.suggest = async (r) =>
      r.value === "slow" ? new Promise(() => {}) : [{ name: `vm ${r.value}0`, value: `${r.value}0` }];
    const h = await start(inbound);
    const fast = h.fake.autocomplete(
      ALICE,
      ["pve", "vm", "start"],
      [{ name: "vmid", type: 3, value: "10", focused: true }],
      CHANNEL_ID,
    );
    expect(await h.fake.answered(fast)).toMatchObject({ type: 8 });
    expect(fast.choices).toEqual([{ name: "vm 100", value: "100" }]);
    expect(inbound.asked[0]).toMatchObject({
      command: "vm.start",
      option: "vmid",
      value: "10",
      actor: { id: ALICE.id },
    });
    const slow = h.fake.autocomplete(
      ALICE,
      ["pve", "vm", "start"],
      [{ name: "vmid", type: 3, value: "slow", focused: true }],
      CHANNEL_ID,
    );
    const answer = await h.fake.answered(slow);
    expect(answer.at - slow.createdAt).toBeLessThan(3000);
    expect(slow.choices).toEqual([]);
  });
});
