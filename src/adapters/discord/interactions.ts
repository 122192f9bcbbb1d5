/**
 * Answers each interaction the gateway delivers. The initial response goes out at once, before any work,
 * so Discord's 3-second deadline holds whatever the dispatcher does: a command is deferred ("thinking",
 * ephemeral when its answer will be), a click is deferred as an update of its message, a confirmation step
 * or a form (modal) is shown directly, an autocomplete is answered from `Inbound.onAutocomplete` within its
 * own budget. The work then runs on a bounded pool and its reply goes through the notifier (the sender).
 */
import { randomUUID } from "node:crypto";
import type { CommandDefinition } from "../../commands/definition.js";
import type { Clock, Log } from "../../services/ports.js";
import type { Actor, ConversationRef, MessageRef } from "../../services/vocabulary/identity.js";
import { errorReply, type Reply } from "../../services/vocabulary/reply.js";
import type { Inbound } from "../chat.js";
import { askInbound } from "../chat-kit/ask-inbound.js";
import type { ButtonSigner } from "../chat-kit/button-signer.js";
import type { ThreadedNotifier } from "../chat-kit/delivery.js";
import type { HandlerQueue } from "../chat-kit/handler-queue.js";
import { suggestions } from "./autocomplete.js";
import type { ClickMemory } from "./click-memory.js";
import { invocationOf, type PveInvocation } from "./commands/invocation.js";
import { commandNameOf } from "./commands/names.js";
import { identify } from "./identity.js";
import { CALLBACK, channelOf, EPHEMERAL, INTERACTION, type RawInteraction } from "./interaction-types.js";
import { loggableError } from "./log-safe.js";
import {
  type InteractionToken,
  interactionConversation,
  interactionMessage,
  originalId,
  TOKEN_LIFETIME_MS,
  TOKEN_MARGIN_MS,
} from "./refs.js";
import { CONFIRM_CANCEL_ID, cancelledResponse, clickStepResponse } from "./render/click-steps.js";
import { parseCustomId, type StepMark, withoutStep } from "./render/custom-id.js";
import type { ClickStep } from "./render/types.js";
import type { DiscordSender, RestClient } from "./sender.js";

export const NO_LONGER_VALID = "this action is no longer valid";
export const BUSY = "The bot is busy right now; nothing was run. Try again in a minute.";

export interface InteractionRouterDeps {
  rest: RestClient;
  sender: DiscordSender;
  notifier: ThreadedNotifier;
  signer: ButtonSigner;
  memory: ClickMemory;
  guilds: ReadonlySet<string>;
  handlers: HandlerQueue;
  clock: Clock;
  log: Log;
  inbound: () => Inbound | undefined;
  /** Whether a command's answer is ephemeral, so its deferral can be too; by the dotted command name. */
  visibilityOf?: (command: string) => "ephemeral" | "channel";
  /** The registered commands, to map `/pve` options back to a command line. */
  commands: readonly CommandDefinition[];
}

export const UNKNOWN_COMMAND =
  "This is not a command this bot knows; its /pve registration may be older than the bot. Ask an admin to run `proxmox-chatops discord register`.";

export class InteractionRouter {
  constructor(private readonly deps: InteractionRouterDeps) {}

  /** Never throws: a failure is logged, and the user sees Discord's own "did not respond". */
  async handle(raw: RawInteraction): Promise<void> {
    try {
      await this.route(raw);
    } catch (err) {
      this.deps.log.error({ err: loggableError(err), type: raw.type }, "discord interaction failed");
    }
  }

  private async route(raw: RawInteraction): Promise<void> {
    switch (raw.type) {
      case INTERACTION.command:
        return this.command(raw);
      case INTERACTION.component:
        return this.component(raw);
      case INTERACTION.autocomplete:
        return this.autocomplete(raw);
      case INTERACTION.modalSubmit:
        return this.modalSubmit(raw);
      default:
        return;
    }
  }

  private callback(raw: RawInteraction, body: object): Promise<unknown> {
    return this.deps.rest.post(`/interactions/${raw.id}/${raw.token}/callback`, { body, auth: false });
  }

  /** An immediate ephemeral answer (a refusal); it replaces the deferral. */
  private say(raw: RawInteraction, reply: Reply): Promise<unknown> {
    return this.callback(raw, { type: CALLBACK.message, data: this.deps.sender.message(reply, true).body });
  }

  private token(raw: RawInteraction): InteractionToken {
    return { token: raw.token, usableUntil: this.deps.clock.now() + TOKEN_LIFETIME_MS - TOKEN_MARGIN_MS };
  }

  private async command(raw: RawInteraction): Promise<void> {
    const who = identify(raw, this.deps.guilds);
    if (!who.ok) {
      await this.say(raw, errorReply("E_FORBIDDEN", who.message));
      return;
    }
    if (this.deps.handlers.full) {
      await this.say(raw, errorReply("E_UNAVAILABLE", BUSY));
      return;
    }
    // Only the command's name before the deferral; its options are mapped after, off the 3-second path.
    const command = this.commandName(raw);
    if (!command) {
      await this.say(raw, errorReply("E_UNKNOWN_COMMAND", UNKNOWN_COMMAND));
      return;
    }
    const ephemeral = (this.deps.visibilityOf?.(command) ?? "ephemeral") === "ephemeral";
    const token = this.token(raw);
    await this.callback(raw, { type: CALLBACK.deferMessage, data: ephemeral ? { flags: EPHEMERAL } : {} });
    this.deps.sender.deferred(raw.token, ephemeral);
    const channelId = channelOf(raw);
    const conversation = interactionConversation(channelId, token, who.actor.id);
    const original = interactionMessage(channelId, originalId(raw.id), token, ephemeral);
    this.deps.handlers.offer(() =>
      this.work(raw.token, async (requestId) => {
        const inv = this.invocation(raw);
        if (!inv) {
          await this.deps.notifier.update(original, errorReply("E_UNKNOWN_COMMAND", UNKNOWN_COMMAND));
          return;
        }
        const reply = await this.ask(requestId, (inbound) =>
          inbound.onCommand({
            actor: who.actor,
            conversation,
            text: inv.text,
            ...(Object.keys(inv.args).length > 0 ? { args: inv.args } : {}),
            requestId,
          }),
        );
        if (reply) await this.deps.notifier.update(original, reply);
      }),
    );
  }

  /** Verifies a custom_id this bot rendered: the signed id, and the step its first character asks for. */
  private verify(
    customId: string,
  ): { ok: true; id: string; step: StepMark } | { ok: false; reason: "forged" | "stale" } {
    const parsed = parseCustomId(customId);
    if (!parsed) return { ok: false, reason: "forged" };
    const check = this.deps.signer.check(parsed.actionId, parsed.value);
    if (!check.ok) return { ok: false, reason: check.reason === "stale" ? "stale" : "forged" };
    return { ok: true, id: check.id, step: parsed.step };
  }

  private async component(raw: RawInteraction): Promise<void> {
    const customId = raw.data?.custom_id ?? "";
    const who = identify(raw, this.deps.guilds);
    if (!who.ok) {
      await this.say(raw, errorReply("E_FORBIDDEN", who.message));
      return;
    }
    if (customId === CONFIRM_CANCEL_ID) {
      await this.callback(raw, cancelledResponse());
      return;
    }
    const check = this.verify(customId);
    if (!check.ok) return this.refused(raw, who.actor, customId, check.reason);
    if (check.step === "confirm") return this.confirmStep(raw, who.actor, customId);
    if (check.step === "prompt") {
      const step = this.deps.memory.step(customId);
      if (step?.kind !== "prompt") return this.refused(raw, who.actor, customId, "stale");
      await this.callback(raw, clickStepResponse(step, customId));
      return;
    }
    const card = raw.message ? this.deps.memory.card(customId, who.actor.id) : undefined;
    if (card) {
      // The confirm button of a confirmation: the confirmation closes, the action is the card's.
      await this.callback(raw, {
        type: CALLBACK.updateMessage,
        data: { content: "Confirmed.", embeds: [], components: [] },
      });
      this.act(raw, who.actor, { platform: "discord", ...card }, check.id);
      return;
    }
    await this.callback(raw, { type: CALLBACK.deferUpdate });
    this.act(raw, who.actor, this.clickedMessage(raw), check.id);
  }

  /** A destructive button asks first, privately; its confirm button is the same signed id without the step. */
  private async confirmStep(raw: RawInteraction, actor: Actor, customId: string): Promise<void> {
    const label =
      raw.message?.components?.flatMap((r) => r.components ?? []).find((c) => c.custom_id === customId)
        ?.label ?? "Confirm";
    const step: ClickStep = this.deps.memory.step(customId) ?? {
      kind: "confirm",
      label,
      danger: true,
      confirm: {
        title: "Are you sure?",
        text: `${label}: this cannot be undone.`,
        confirm: label,
        deny: "Back",
      },
    };
    if (raw.message)
      this.deps.memory.rememberCard(withoutStep(customId), actor.id, {
        channelId: channelOf(raw),
        messageId: raw.message.id,
      });
    await this.callback(raw, clickStepResponse(step, customId));
  }

  private async modalSubmit(raw: RawInteraction): Promise<void> {
    const customId = raw.data?.custom_id ?? "";
    const who = identify(raw, this.deps.guilds);
    if (!who.ok) {
      await this.say(raw, errorReply("E_FORBIDDEN", who.message));
      return;
    }
    const check = this.verify(customId);
    if (!check.ok || check.step !== "none") {
      return this.refused(raw, who.actor, customId, check.ok ? "forged" : check.reason);
    }
    const values: Record<string, string> = {};
    for (const row of raw.data?.components ?? []) {
      for (const input of row.components ?? []) {
        if (input.custom_id && input.value) values[input.custom_id] = input.value;
      }
    }
    await this.callback(
      raw,
      raw.message
        ? { type: CALLBACK.deferUpdate }
        : { type: CALLBACK.deferMessage, data: { flags: EPHEMERAL } },
    );
    this.act(raw, who.actor, this.clickedMessage(raw), check.id, values);
  }

  /** Runs a click (or a submitted form) through the dispatcher; its reply is a follow-up. */
  private act(
    raw: RawInteraction,
    actor: Actor,
    message: MessageRef,
    actionId: string,
    values?: Record<string, string>,
  ): void {
    const conversation = interactionConversation(channelOf(raw), this.token(raw), actor.id);
    this.deps.handlers.offer(() =>
      this.work(raw.token, async (requestId) => {
        const reply = await this.ask(requestId, (inbound) =>
          inbound.onAction({
            actor,
            conversation,
            message,
            actionId,
            ...(values ? { values } : {}),
            requestId,
          }),
        );
        if (reply) await this.deps.notifier.post(conversation, reply);
      }),
    );
  }

  private async refused(raw: RawInteraction, actor: Actor, customId: string, reason: "forged" | "stale") {
    this.deps.log.info({ reason }, "discord click refused");
    const token = this.token(raw);
    await this.callback(raw, { type: CALLBACK.deferMessage, data: { flags: EPHEMERAL } });
    this.deps.sender.deferred(raw.token, true);
    const channelId = channelOf(raw);
    const conversation: ConversationRef = interactionConversation(channelId, token, actor.id);
    this.deps.handlers.offer(() =>
      this.work(raw.token, async (requestId) => {
        const reply = await this.ask(requestId, async (inbound) =>
          inbound.onRefusedClick
            ? inbound.onRefusedClick({
                actor,
                conversation,
                actionId: customId.slice(0, 100),
                reason,
                requestId,
              })
            : errorReply("E_UNKNOWN_ACTION", NO_LONGER_VALID),
        );
        await this.deps.notifier.update(interactionMessage(channelId, originalId(raw.id), token, true), {
          ...(reply ?? errorReply("E_UNKNOWN_ACTION", NO_LONGER_VALID)),
          visibility: "ephemeral",
        });
      }),
    );
  }

  private async autocomplete(raw: RawInteraction): Promise<void> {
    const who = identify(raw, this.deps.guilds);
    const inv = who.ok ? this.invocation(raw) : undefined;
    const actor = who.ok ? who.actor : undefined;
    const data = await suggestions(this.deps.inbound(), actor, channelOf(raw), inv, this.deps.log);
    await this.callback(raw, { type: CALLBACK.choices, data });
  }

  /** The dotted command a `/pve` interaction names (subcommand group and subcommand), without its options. */
  private commandName(raw: RawInteraction): string | undefined {
    const first = raw.data?.options?.[0];
    const group = first?.type === 2 ? first.name : undefined;
    const sub = group ? first?.options?.[0] : first;
    if (sub?.type !== 1) return undefined;
    return commandNameOf({ ...(group ? { group } : {}), sub: sub.name }, this.deps.commands);
  }

  private invocation(raw: RawInteraction): PveInvocation | undefined {
    return invocationOf(raw.data?.options ?? [], this.deps.commands);
  }

  /** The message of a click: an interaction's message is edited through the click's token, others by the bot. */
  private clickedMessage(raw: RawInteraction): MessageRef {
    const channelId = channelOf(raw);
    const m = raw.message;
    if (!m) return { platform: "discord", channelId, messageId: "" };
    const ephemeral = ((m.flags ?? 0) & EPHEMERAL) !== 0;
    if (m.webhook_id || m.interaction_metadata || ephemeral)
      return interactionMessage(channelId, m.id, this.token(raw), ephemeral);
    return { platform: "discord", channelId, messageId: m.id };
  }

  /** Handler tasks must not throw: the queue has nowhere to put the error. */
  private async work(token: string, task: (requestId: string) => Promise<void>): Promise<void> {
    const requestId = randomUUID();
    try {
      await task(requestId);
    } catch (err) {
      this.deps.log.error({ err: loggableError(err), requestId }, "discord reply failed");
    } finally {
      this.deps.sender.forget(token);
    }
  }

  /** Runs the dispatcher step; a thrown UserError becomes its refusal, anything else "internal error". */
  private ask(requestId: string, step: (inbound: Inbound) => Promise<Reply | undefined>) {
    const request = { requestId, log: this.deps.log, what: "discord request", loggable: loggableError };
    return askInbound(this.deps.inbound(), request, step);
  }
}
