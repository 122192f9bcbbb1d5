/**
 * The contract every chat adapter (console, Slack, Discord) implements. Only plain data crosses it:
 * actors, opaque refs and the Reply model. Block Kit, embeds and library objects stay inside the adapter.
 */

import type { Notifier, PostOptions } from "../services/ports.js";
import type { Actor, ConversationRef, MessageRef, Platform } from "../services/vocabulary/identity.js";
import type { Reply } from "../services/vocabulary/reply.js";
import type { DeliveryStats } from "./chat-kit/delivery.js";

export interface Inbound {
  onCommand(invocation: Invocation): Promise<Reply>;
  /** undefined: nothing to say back (e.g. the card was already edited into its outcome). */
  onAction(event: ActionEvent): Promise<Reply | undefined>;
  /**
   * A click the adapter refused before it could become an action: its button value did not verify (not a
   * button this bot rendered) or is older than the buttons' lifetime. The dispatcher audits it like every
   * other refusal and answers; without it the adapter answers "no longer valid" itself.
   */
  onRefusedClick?(click: RefusedClick): Promise<Reply>;
  /**
   * Suggestions while the user types an argument (Discord autocomplete): at most 25, answered fast from a
   * short cache, only values the actor may see. Platforms without autocomplete never call it.
   */
  onAutocomplete?(request: AutocompleteRequest): Promise<AutocompleteChoice[]>;
}

export interface AutocompleteRequest {
  actor: Actor;
  conversation: ConversationRef;
  /** Dotted command name, e.g. `template.delete`. */
  command: string;
  /** The argument being typed, as named in the command's args schema. */
  option: string;
  /** What the user typed so far. */
  value: string;
  requestId: string;
}

export interface AutocompleteChoice {
  /** Shown to the user (≤ 100 characters). */
  name: string;
  /** Sent back as the option's value (≤ 100 characters). */
  value: string;
}

export interface RefusedClick {
  actor: Actor;
  conversation: ConversationRef;
  /** As the platform delivered it; cut short before it is stored. */
  actionId: string;
  reason: "forged" | "stale";
  requestId: string;
}

export interface ChatAdapter extends Notifier {
  readonly platform: Platform;
  start(inbound: Inbound): Promise<void>;
  stop(): Promise<void>;
  post(conversation: ConversationRef, reply: Reply, options?: PostOptions): Promise<MessageRef>;
  update(message: MessageRef, reply: Reply): Promise<void>;
  /**
   * Posts `reply` in the thread of `message` (an alert's follow-up, a job's log under its card). Where the
   * platform has no threads the reply is posted as a new message that names the one it answers.
   */
  reply(message: MessageRef, reply: Reply): Promise<MessageRef>;
  /**
   * Whether the platform can be used right now (credentials accepted, event connection up), for `/readyz`
   * and for start-up. Never throws. Adapters with nothing that can fail (console) leave it out.
   */
  readiness?(): Promise<AdapterReadiness>;
  /** What its outbox delivered, retried and gave up on since start, for `/metrics`. */
  deliveryStats?(): DeliveryStats;
}

export interface AdapterReadiness {
  ok: boolean;
  /** One line, safe to show: no token or secret. */
  detail: string;
}

/** One command as a chat platform delivered it, mapped to plain data. */
export interface Invocation {
  actor: Actor;
  conversation: ConversationRef;
  /** The command text after the slash command, e.g. `template build ubuntu-24.04 --node pve1`. */
  text: string;
  /**
   * Options the platform already parsed (Discord's typed slash-command options), by argument name. When
   * present they are used next to `text`, which then holds the command name and any free text.
   */
  args?: Record<string, string | number | boolean>;
  requestId: string;
}

export interface ActionEvent {
  actor: Actor;
  conversation: ConversationRef;
  /** The message whose button was clicked. */
  message: MessageRef;
  /** The button id, e.g. `approval:<id>:approve`. */
  actionId: string;
  /** Free text that came with the action (a deny reason), when the platform collected one. */
  value?: string;
  /** Answers to the button's `prompt` form, by field id (empty answers left out). */
  values?: Record<string, string>;
  requestId: string;
}
