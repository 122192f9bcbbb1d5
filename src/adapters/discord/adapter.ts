/**
 * The Discord chat adapter: discord.js over the gateway (client.ts), each interaction answered at once and
 * handled on a bounded pool (interactions.ts), every message sent through a DeliverySender (sender.ts) that
 * the durable outbox can wrap. Buttons carry signed custom ids (render/custom-id.ts); who may do what is decided
 * by the dispatcher from the actor's Discord user id and role ids (identity.ts).
 */
import type { CommandDefinition } from "../../commands/definition.js";
import type { Clock, Log } from "../../services/ports.js";
import type { ConversationRef, MessageRef } from "../../services/vocabulary/identity.js";
import type { Reply } from "../../services/vocabulary/reply.js";
import type { AdapterReadiness, ChatAdapter, Inbound } from "../chat.js";
import { ButtonSigner } from "../chat-kit/button-signer.js";
import { type DeliveryFactory, directDelivery, type ThreadedNotifier } from "../chat-kit/delivery.js";
import { HandlerQueue } from "../chat-kit/handler-queue.js";
import { ClickMemory } from "./click-memory.js";
import { connectDiscord, type DiscordConnection } from "./client.js";
import type { DiscordConfig } from "./config.js";
import { InteractionRouter } from "./interactions.js";
import { DISCORD_BUTTONS } from "./render/custom-id.js";
import { renderReply } from "./render/message.js";
import { type ContinuationStore, DiscordSender, LocalContinuations } from "./sender.js";

export interface DiscordAdapterDeps {
  config: DiscordConfig;
  log: Log;
  clock: Clock;
  /** How messages are delivered (the durable outbox); sent directly by default. */
  delivery?: DeliveryFactory;
  /** Where messages of expired interactions went on; kept in this process by default. */
  continuations?: ContinuationStore;
  /** Whether a command's answer is ephemeral (by dotted name), so its deferral can match. */
  visibilityOf?: (command: string) => "ephemeral" | "channel";
  /** The registered commands: `/pve` options are mapped back to a command line with them. */
  commands: readonly CommandDefinition[];
  /** The discord.js connection; made from the config by default. */
  connection?: DiscordConnection;
}

export interface DiscordAdapter extends ChatAdapter {
  readiness(): Promise<AdapterReadiness>;
  /** Resolves when every interaction received so far has been handled and its reply sent or failed. */
  settled(): Promise<void>;
}

const STOP_DRAIN_MS = 5000;
const TOKEN_CHECK_TTL_MS = 30_000;

export function createDiscordAdapter(deps: DiscordAdapterDeps): DiscordAdapter {
  return new GatewayDiscordAdapter(deps);
}

class GatewayDiscordAdapter implements DiscordAdapter {
  readonly platform = "discord" as const;
  private readonly connection: DiscordConnection;
  private readonly notifier: ThreadedNotifier & { close?(): Promise<void> };
  private readonly handlers: HandlerQueue;
  private readonly router: InteractionRouter;
  private readonly log: Log;
  private inbound: Inbound | undefined;
  private tokenCheck: { at: number; result: AdapterReadiness } | undefined;

  constructor(private readonly deps: DiscordAdapterDeps) {
    const { config, clock } = deps;
    this.log = deps.log.child({ adapter: "discord" });
    this.connection = deps.connection ?? connectDiscord(config);
    const memory = new ClickMemory(() => clock.now(), config.actionMaxAge);
    const signer = new ButtonSigner(config.token, clock, config.actionMaxAge, DISCORD_BUTTONS);
    const sender = new DiscordSender({
      rest: this.connection.rest,
      appId: config.appId,
      now: () => clock.now(),
      render: (reply) => {
        const message = renderReply(reply, signer);
        memory.rememberSteps(message.clickSteps);
        return message;
      },
      continuations: deps.continuations ?? new LocalContinuations(),
      log: this.log,
    });
    this.notifier = (deps.delivery ?? directDelivery)(sender);
    this.handlers = new HandlerQueue(config.handlers.concurrency, config.handlers.maxQueued);
    this.router = new InteractionRouter({
      rest: this.connection.rest,
      sender,
      notifier: this.notifier,
      signer,
      memory,
      guilds: new Set(config.guildIds),
      handlers: this.handlers,
      clock,
      log: this.log,
      inbound: () => this.inbound,
      ...(deps.visibilityOf ? { visibilityOf: deps.visibilityOf } : {}),
      commands: deps.commands,
    });
  }

  async start(inbound: Inbound): Promise<void> {
    this.inbound = inbound;
    try {
      await this.connection.login((raw) => void this.router.handle(raw));
    } catch (err) {
      this.inbound = undefined;
      const code = (err as { code?: unknown }).code;
      if (code === "TokenInvalid")
        throw new Error("Discord rejected the bot token (GET /gateway/bot: 401); check DISCORD_TOKEN");
      throw new Error(`Discord gateway connection failed: ${(err as Error).message}`);
    }
    this.log.info({ guilds: this.deps.config.guildIds.length }, "discord adapter started");
  }

  async stop(): Promise<void> {
    await Promise.race([this.settled(), new Promise((r) => setTimeout(r, STOP_DRAIN_MS).unref())]);
    await this.notifier.close?.();
    await this.connection.destroy();
    this.inbound = undefined;
  }

  post(conversation: ConversationRef, reply: Reply): Promise<MessageRef> {
    return this.notifier.post(conversation, reply);
  }

  update(message: MessageRef, reply: Reply): Promise<void> {
    return this.notifier.update(message, reply);
  }

  reply(message: MessageRef, reply: Reply): Promise<MessageRef> {
    return this.notifier.reply(message, reply);
  }

  /** The gateway's state once started; before (a worker that only posts), whether the token is accepted. */
  async readiness(): Promise<AdapterReadiness> {
    const gateway = this.connection.gatewayState();
    if (gateway) return gateway;
    const cached = this.tokenCheck;
    if (cached && this.deps.clock.now() - cached.at < TOKEN_CHECK_TTL_MS) return cached.result;
    let result: AdapterReadiness;
    try {
      await this.connection.checkToken();
      result = { ok: true, detail: "bot token accepted" };
    } catch (err) {
      const status = (err as { status?: unknown }).status;
      result = {
        ok: false,
        detail:
          status === 401
            ? "Discord refused the bot token (GET /users/@me: 401)"
            : `Discord REST unreachable: ${(err as Error).message}`,
      };
    }
    this.tokenCheck = { at: this.deps.clock.now(), result };
    return result;
  }

  settled(): Promise<void> {
    return this.handlers.idle();
  }
}
