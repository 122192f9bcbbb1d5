/**
 * The Slack chat adapter: Bolt in HTTP mode (a request handler mounted on the bot's own server) or Socket
 * Mode. Every command and click is acked first, then handed to the Inbound as plain data; the Reply comes
 * back through the delivery (response_url for ephemeral, chat.postMessage for channel replies): the durable
 * Redis outbox the bot hands in, around this adapter's SlackSender.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { App } from "@slack/bolt";
import type { Clock, Log, PostOptions } from "../../services/ports.js";
import type { Actor, ConversationRef, MessageRef } from "../../services/vocabulary/identity.js";
import { errorReply, type Reply, type ReplyPrompt } from "../../services/vocabulary/reply.js";
import type { AdapterReadiness, ChatAdapter, Inbound } from "../chat.js";
import { askInbound } from "../chat-kit/ask-inbound.js";
import { ButtonSigner } from "../chat-kit/button-signer.js";
import {
  type Delivery,
  type DeliveryFactory,
  DeliveryFailedError,
  type DeliveryNotifier,
} from "../chat-kit/delivery.js";
import { HandlerQueue } from "../chat-kit/handler-queue.js";
import { createVerifiedFetch } from "../verified-http.js";
import { boltLogger } from "./bolt-log.js";
import { LINK_ACTION_PREFIX } from "./buttons.js";
import type { SlackConfig } from "./config.js";
import { splitForm } from "./form-value.js";
import { GroupDirectory } from "./groups.js";
import { SlackHealth, slackErrorCode } from "./health.js";
import { SLACK_BUTTONS } from "./limits.js";
import { addStats, memoryDelivery } from "./memory-delivery.js";
import { EXTRA, SlackSender } from "./messenger.js";
import { Outbox, type OutboxStats, SlackDeliveryError } from "./outbox.js";
import { Pacer } from "./pacing.js";
import {
  type BlockActionsPayload,
  classifyObject,
  type SlashCommandPayload,
  type ViewSubmissionPayload,
} from "./payloads.js";
import { answersOf, originOf, PROMPT_CALLBACK, type PromptOrigin, promptView } from "./prompts.js";
import type { HttpHandler } from "./receiver.js";
import { chooseReceiver } from "./receivers.js";
import type { ReplayGuard } from "./replays.js";

export interface SlackAdapterDeps {
  config: SlackConfig;
  log: Log;
  clock: Clock;
  /** Waits between retries; tests may shorten it. */
  sleep?: (ms: number) => Promise<void>;
  /** Used for response_url posts; defaults to one that always verifies TLS certificates. */
  fetch?: typeof globalThis.fetch;
  /** Accepts each signed request once (replays.ts); http mode needs it. Owned: closed on stop. */
  replays?: ReplayGuard;
  /**
   * Delivers every post, edit and thread reply: the durable Redis outbox in the bot. Without it, an
   * in-memory outbox in this process (tests, tools without Redis). Owned: closed on stop.
   */
  delivery?: DeliveryFactory;
}

export interface SlackAdapter extends ChatAdapter {
  /** Mount at `/slack/events` on the bot's HTTP server; in socket mode it answers 404. */
  readonly httpHandler: HttpHandler;
  /** The bot token as Slack last judged it, and the event path's state. */
  readiness(): Promise<AdapterReadiness>;
  stats(): OutboxStats;
  /** Resolves when every command and click received so far has been handled and its reply sent or failed. */
  settled(): Promise<void>;
}

export const NO_LONGER_VALID = "this action is no longer valid";
export const BUSY = "The bot is busy right now; nothing was run. Try again in a minute.";
const STOP_DRAIN_MS = 5000;

export function createSlackAdapter(deps: SlackAdapterDeps): SlackAdapter {
  return new BoltSlackAdapter(deps);
}

class BoltSlackAdapter implements SlackAdapter {
  readonly platform = "slack" as const;
  readonly httpHandler: HttpHandler;
  private readonly app: App;
  private readonly log: Log;
  private readonly outbox: Outbox;
  private readonly sender: SlackSender;
  private readonly delivery: DeliveryNotifier;
  private readonly groups: GroupDirectory;
  private readonly signer: ButtonSigner;
  private inbound: Inbound | undefined;
  private readonly handlers: HandlerQueue;
  private readonly health: SlackHealth;

  constructor(private readonly deps: SlackAdapterDeps) {
    const { config, clock } = deps;
    this.log = deps.log.child({ adapter: "slack" });
    const logger = boltLogger(this.log);
    // Every Slack connection verifies certificates itself, whatever the process-wide TLS default says.
    const verified = createVerifiedFetch();
    const clientOptions = {
      slackApiUrl: config.apiUrl.endsWith("/") ? config.apiUrl : `${config.apiUrl}/`,
      fetch: verified.fetch,
      // The outbox owns retries and rate limits; the client must report them instead of sleeping.
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      logger,
    };
    const { receiver, httpHandler, socketClient } = chooseReceiver(config, {
      clock,
      log: this.log,
      logger,
      slackApiUrl: clientOptions.slackApiUrl,
      fetch: verified.fetch,
      ...(deps.replays ? { replays: deps.replays } : {}),
    });
    this.httpHandler = httpHandler;
    this.app = new App({
      token: config.botToken,
      receiver,
      logger,
      clientOptions,
      deferInitialization: true,
      // Bolt's in-memory conversation store rejects (with a stack trace) on every request; nothing here uses it.
      convoStore: false,
    });
    this.health = new SlackHealth(() => this.app.client.auth.test(), clock);
    if (socketClient) this.health.watchSocket(socketClient);
    const pacer = config.outbox.pacing ? new Pacer(() => performance.now()) : undefined;
    this.outbox = new Outbox({
      log: this.log,
      sleep: deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
      maxAttempts: config.outbox.maxAttempts,
      backoffMs: config.outbox.backoff,
      maxRetryAfterMs: config.outbox.maxRetryAfter,
      ...(pacer ? { pacer } : {}),
    });
    const secret = config.signingSecret ?? config.appToken ?? config.botToken;
    this.signer = new ButtonSigner(secret, clock, config.actionMaxAge, SLACK_BUTTONS);
    this.sender = new SlackSender({
      client: this.app.client,
      outbox: this.outbox,
      signer: this.signer,
      log: this.log,
      fetch: deps.fetch ?? verified.fetch,
      ...(pacer ? { pacer } : {}),
    });
    this.delivery = (deps.delivery ?? memoryDelivery(this.outbox))(this.sender);
    this.groups = new GroupDirectory(this.app.client, clock, config.groupCacheTtl, this.log);
    this.handlers = new HandlerQueue(config.handlers.concurrency, config.handlers.maxQueued);
    this.app.command(/^\/.+/, async ({ ack, body }) => {
      if (this.handlers.full) {
        this.log.warn({ queued: this.handlers.size }, "slack command refused: too many requests waiting");
        await ack({ response_type: "ephemeral", text: BUSY });
        return;
      }
      await ack();
      this.handlers.offer(() => this.guard(this.onCommand(body as unknown as Record<string, unknown>)));
    });
    this.app.action(/.*/, async ({ ack, body }) => {
      await ack();
      const raw = body as unknown as Record<string, unknown>;
      if (this.handlers.offer(() => this.guard(this.onAction(raw)))) return;
      this.log.warn({ queued: this.handlers.size }, "slack click refused: too many requests waiting");
      const parsed = classifyObject(raw);
      if (parsed.kind !== "action" || !parsed.body.response_url) return;
      const where: ConversationRef = {
        platform: "slack",
        channelId: parsed.body.container?.channel_id ?? parsed.body.user.id,
        extra: { [EXTRA.responseUrl]: parsed.body.response_url },
      };
      await this.notice(where, errorReply("E_UNAVAILABLE", BUSY)).catch(() => {
        // Counted and logged by the outbox.
      });
    });
    this.app.view(PROMPT_CALLBACK, async ({ ack, body }) => {
      await ack();
      const raw = body as unknown as Record<string, unknown>;
      if (!this.handlers.offer(() => this.guard(this.onSubmission(raw)))) {
        this.log.warn({ queued: this.handlers.size }, "slack form refused: too many requests waiting");
      }
    });
    this.app.error(async (err) => {
      this.log.error({ err }, "slack listener error");
    });
  }

  async start(inbound: Inbound): Promise<void> {
    if (this.deps.config.mode === "http" && !this.deps.replays) {
      throw new Error("Slack http mode needs a replay guard (Redis) to accept each signed request once");
    }
    this.inbound = inbound;
    try {
      await this.app.init();
      this.health.noteAuth();
    } catch (err) {
      this.health.noteAuth(err);
      throw new Error(
        `Slack rejected the bot token (auth.test: ${slackErrorCode(err)}); check SLACK_BOT_TOKEN`,
      );
    }
    await this.app.start();
    this.health.receiving(this.deps.config.mode === "http" ? "running" : "connected");
    this.log.info(
      { mode: this.deps.config.mode, command: this.deps.config.command },
      "slack adapter started",
    );
  }

  async stop(): Promise<void> {
    this.health.stopped();
    await this.app.stop();
    await Promise.race([this.settled(), new Promise((r) => setTimeout(r, STOP_DRAIN_MS).unref())]);
    await this.delivery.close?.();
    await this.outbox.close(STOP_DRAIN_MS);
    await this.deps.replays?.close();
    this.inbound = undefined;
  }

  async post(conversation: ConversationRef, reply: Reply, options?: PostOptions): Promise<MessageRef> {
    this.check({ kind: "post", conversation, reply });
    return this.delivery.post(conversation, reply, options);
  }

  async update(message: MessageRef, reply: Reply): Promise<void> {
    this.check({ kind: "update", message, reply });
    return this.delivery.update(message, reply);
  }

  async reply(message: MessageRef, reply: Reply): Promise<MessageRef> {
    this.check({ kind: "reply", message, reply });
    return this.delivery.reply(message, reply);
  }

  /** A delivery Slack could never take fails before it is queued, and stores nothing. */
  private check(delivery: Delivery): void {
    const problem = this.sender.problem(delivery);
    if (problem) throw new Error(problem);
  }

  /** Posts an ephemeral note through the response_url; used for refusals the dispatcher never sees. */
  private notice(conversation: ConversationRef, reply: Reply): Promise<MessageRef> {
    return this.post(conversation, { ...reply, visibility: "ephemeral" });
  }

  readiness(): Promise<AdapterReadiness> {
    return this.health.check();
  }

  stats(): OutboxStats {
    const durable = this.delivery.stats?.();
    return durable ? addStats(durable, this.outbox.stats()) : this.outbox.stats();
  }

  deliveryStats(): OutboxStats {
    return this.stats();
  }

  settled(): Promise<void> {
    return this.handlers.idle();
  }

  /** Handler tasks must not throw: the queue has nowhere to put the error. */
  private async guard(work: Promise<void>): Promise<void> {
    try {
      await work;
    } catch (err) {
      this.log.error({ err }, "slack request handling failed");
    }
  }

  private async onCommand(raw: Record<string, unknown>): Promise<void> {
    const parsed = classifyObject(raw);
    if (parsed.kind !== "command") {
      this.log.warn(
        { reason: parsed.kind === "invalid" ? parsed.reason : parsed.kind },
        "slack command ignored",
      );
      return;
    }
    const body: SlashCommandPayload = parsed.body;
    const requestId = randomUUID();
    const conversation: ConversationRef = {
      platform: "slack",
      channelId: body.channel_id,
      extra: { [EXTRA.responseUrl]: body.response_url, [EXTRA.userId]: body.user_id },
    };
    if (body.command !== this.deps.config.command) {
      const text = `This bot answers \`${this.deps.config.command}\`, not \`${body.command}\`.`;
      await this.deliver(conversation, errorReply("E_UNKNOWN_COMMAND", text), requestId);
      return;
    }
    const reply = await this.ask(requestId, async (inbound) => {
      const actor = await this.actor(body.user_id, body.user_name);
      return inbound.onCommand({ actor, conversation, text: body.text.trim(), requestId });
    });
    if (reply) await this.deliver(conversation, reply, requestId);
  }

  private async onAction(raw: Record<string, unknown>): Promise<void> {
    const parsed = classifyObject(raw);
    if (parsed.kind !== "action") {
      this.log.warn(
        { reason: parsed.kind === "invalid" ? parsed.reason : parsed.kind },
        "slack action ignored",
      );
      return;
    }
    const body: BlockActionsPayload = parsed.body;
    const requestId = randomUUID();
    const action = body.actions[0]!;
    // Slack opens a link button's URL itself and only tells the app; there is nothing to run or answer.
    if (action.action_id.startsWith(LINK_ACTION_PREFIX) && action.value === undefined) return;
    const channelId = body.container?.channel_id ?? body.channel?.id;
    const ts = body.container?.message_ts ?? body.message?.ts;
    const conversation: ConversationRef = {
      platform: "slack",
      channelId: channelId ?? body.user.id,
      ...(ts ? { threadId: ts } : {}),
      extra: {
        [EXTRA.userId]: body.user.id,
        ...(body.response_url ? { [EXTRA.responseUrl]: body.response_url } : {}),
      },
    };
    const { value, prompt } = splitForm(action.value);
    const check = action.type === "button" ? this.signer.check(action.action_id, value) : undefined;
    if (!check?.ok || !channelId || !ts) {
      const reason = check && !check.ok && check.reason === "stale" ? "stale" : "forged";
      this.log.info({ reason }, "slack click refused");
      const refused = await this.ask(requestId, async (inbound) => {
        const answer = errorReply("E_UNKNOWN_ACTION", NO_LONGER_VALID);
        if (!inbound.onRefusedClick) return answer;
        const actor = await this.actor(body.user.id, body.user.name ?? body.user.username);
        return inbound.onRefusedClick({ actor, conversation, actionId: action.action_id, reason, requestId });
      });
      if (refused) await this.deliver(conversation, refused, requestId);
      return;
    }
    const ephemeral = body.container?.is_ephemeral === true;
    if (prompt) {
      const origin = {
        actionId: action.action_id,
        value: value!,
        channelId,
        messageTs: ts,
        responseUrl: body.response_url,
        ephemeral,
      };
      await this.openForm(body.trigger_id, prompt, origin, conversation, requestId);
      return;
    }
    const message: MessageRef = {
      platform: "slack",
      channelId,
      messageId: ts,
      ...(ephemeral && body.response_url
        ? { extra: { [EXTRA.ephemeral]: "1", [EXTRA.responseUrl]: body.response_url } }
        : {}),
    };
    const reply = await this.ask(requestId, async (inbound) => {
      const actor = await this.actor(body.user.id, body.user.name ?? body.user.username);
      return inbound.onAction({ actor, conversation, message, actionId: check.id, requestId });
    });
    if (reply) await this.deliver(conversation, reply, requestId);
  }

  /** Opens a button's form as a modal; Slack's trigger_id is valid for 3 s, so this runs first. */
  private async openForm(
    triggerId: string | undefined,
    prompt: ReplyPrompt,
    origin: PromptOrigin,
    conversation: ConversationRef,
    requestId: string,
  ): Promise<void> {
    try {
      if (!triggerId) throw new Error("the click came without a trigger_id");
      await this.app.client.views.open({ trigger_id: triggerId, view: promptView(prompt, origin) as never });
    } catch (err) {
      this.log.warn({ err: slackErrorCode(err), requestId }, "slack form could not be opened");
      const text =
        "The form could not be opened (Slack allows 3 seconds after a click); click the button again.";
      await this.deliver(conversation, errorReply("E_UNAVAILABLE", text), requestId);
    }
  }

  /** A submitted form: checked again like the click that opened it, then the action with its answers. */
  private async onSubmission(raw: Record<string, unknown>): Promise<void> {
    const parsed = classifyObject(raw);
    if (parsed.kind !== "view") return;
    const body: ViewSubmissionPayload = parsed.body;
    const origin = originOf(body.view.private_metadata);
    const check = origin ? this.signer.check(origin.actionId, origin.value) : undefined;
    const requestId = randomUUID();
    if (!origin || !check?.ok) {
      this.log.info({ reason: check && !check.ok ? check.reason : "no origin" }, "slack form refused");
      return;
    }
    const conversation: ConversationRef = {
      platform: "slack",
      channelId: origin.channelId,
      threadId: origin.messageTs,
      extra: {
        [EXTRA.userId]: body.user.id,
        ...(origin.responseUrl ? { [EXTRA.responseUrl]: origin.responseUrl } : {}),
      },
    };
    const message: MessageRef = {
      platform: "slack",
      channelId: origin.channelId,
      messageId: origin.messageTs,
      ...(origin.ephemeral && origin.responseUrl
        ? { extra: { [EXTRA.ephemeral]: "1", [EXTRA.responseUrl]: origin.responseUrl } }
        : {}),
    };
    const values = answersOf(body.view.state);
    const reply = await this.ask(requestId, async (inbound) => {
      const actor = await this.actor(body.user.id, body.user.name ?? body.user.username);
      return inbound.onAction({ actor, conversation, message, actionId: check.id, values, requestId });
    });
    if (reply) await this.deliver(conversation, reply, requestId);
  }

  /** Runs the dispatcher step; a thrown UserError becomes its refusal, anything else "internal error". */
  private ask(requestId: string, step: (inbound: Inbound) => Promise<Reply | undefined>) {
    return askInbound(this.inbound, { requestId, log: this.log, what: "slack request" }, step);
  }

  private async actor(userId: string, name: string | undefined): Promise<Actor> {
    return {
      platform: "slack",
      id: userId,
      name: name || userId,
      groups: await this.groups.groupsOf(userId),
    };
  }

  /** Sends the reply; when Slack refuses it, tells the user privately why, where a response_url allows. */
  private async deliver(conversation: ConversationRef, reply: Reply, requestId: string): Promise<void> {
    try {
      await this.post(conversation, reply);
    } catch (err) {
      const known = err instanceof SlackDeliveryError || err instanceof DeliveryFailedError;
      const code = known ? err.code : "unexpected";
      if (!known) this.log.error({ err, requestId }, "slack reply failed");
      if (reply.visibility === "ephemeral" || !conversation.extra?.[EXTRA.responseUrl]) return;
      const hint =
        code === "not_in_channel" || code === "channel_not_found" ? " Invite the bot to this channel." : "";
      const text = `The reply could not be posted in this channel (Slack said \`${code}\`).${hint} Ref ${requestId}.`;
      await this.notice(conversation, errorReply("E_UNAVAILABLE", text)).catch(() => {
        // Counted and logged by the outbox; there is no other place left to tell the user.
      });
    }
  }
}
