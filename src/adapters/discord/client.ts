/**
 * The discord.js client the adapter runs on: the Guilds intent only (slash commands and components arrive
 * as interactions, which need no privileged intent), REST and gateway pointed where the config says, and
 * REST calls made through a request function that always verifies TLS certificates. discord.js's REST queue keeps its
 * rate-limit handling (every 429 waited out and retried, nothing dropped); its own retries of 5xx and network
 * failures are off, because the delivery layer owns them.
 */
import { SimpleShardingStrategy, type WebSocketManager } from "@discordjs/ws";
import { Client, GatewayDispatchEvents, GatewayIntentBits, Options, Status } from "discord.js";
import type { AdapterReadiness } from "../chat.js";
import type { DiscordConfig } from "./config.js";
import type { RawInteraction } from "./interaction-types.js";
import type { RestClient } from "./sender.js";
import { createVerifiedRequest, type VerifiedRequest } from "./verified-request.js";

const LOGIN_TIMEOUT_MS = 30_000;

export interface DiscordConnection {
  rest: RestClient;
  login(onInteraction: (raw: RawInteraction) => void): Promise<void>;
  /** Asks Discord whether the token is accepted (GET /users/@me); throws discord.js's error when not. */
  checkToken(): Promise<unknown>;
  /** The gateway's state once logged in; undefined before (a notify-only adapter never logs in). */
  gatewayState(): AdapterReadiness | undefined;
  destroy(): Promise<void>;
}

/**
 * discord.js takes the gateway URL from `GET /gateway/bot`; a configured one replaces it there, the one place
 * both discord.js and its shards read it from.
 */
function pinGateway(manager: WebSocketManager, url: string): void {
  const fetchInfo = manager.fetchGatewayInformation.bind(manager);
  manager.fetchGatewayInformation = async (force?: boolean) => ({ ...(await fetchInfo(force)), url });
}

export function connectDiscord(
  config: DiscordConfig,
  verified: VerifiedRequest = createVerifiedRequest(),
): DiscordConnection {
  const gatewayUrl = config.gatewayUrl;
  // discord.js puts `/v<version>` after its `api` itself.
  const [, api, version] = /^(.*)\/v(\d+)$/.exec(config.apiUrl) ?? [config.apiUrl, config.apiUrl, "10"];
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    rest: {
      api,
      version,
      retries: 0,
      makeRequest: verified.makeRequest as never,
    },
    ws: gatewayUrl
      ? {
          buildStrategy: (manager) => {
            pinGateway(manager, gatewayUrl);
            return new SimpleShardingStrategy(manager);
          },
        }
      : {},
    // Interactions arrive as raw packets; nothing reads discord.js's message or member caches.
    makeCache: Options.cacheWithLimits({
      MessageManager: 0,
      GuildMemberManager: 0,
      PresenceManager: 0,
      ReactionManager: 0,
    }),
  });
  // REST works before (and without) a gateway login: a worker process only posts and edits.
  client.rest.setToken(config.token);
  let loggedIn = false;
  return {
    rest: client.rest as unknown as RestClient,
    async login(onInteraction) {
      client.ws.on(GatewayDispatchEvents.InteractionCreate, (data: RawInteraction) => onInteraction(data));
      let timer: NodeJS.Timeout | undefined;
      const ready = new Promise<void>((resolve) => client.once("clientReady", () => resolve()));
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no READY from the Discord gateway within ${LOGIN_TIMEOUT_MS / 1000} s`)),
          LOGIN_TIMEOUT_MS,
        );
      });
      try {
        await Promise.race([client.login(config.token).then(() => ready), timeout]);
        loggedIn = true;
      } finally {
        clearTimeout(timer);
      }
    },
    checkToken() {
      // A failed login clears the client's token; the check must still send it.
      client.rest.setToken(config.token);
      return client.rest.get("/users/@me");
    },
    gatewayState() {
      if (!loggedIn) return undefined;
      const status = client.ws.status;
      if (status === Status.Ready)
        return { ok: true, detail: `gateway connected (heartbeat ${client.ws.ping} ms)` };
      return { ok: false, detail: `discord gateway ${Status[status]?.toLowerCase() ?? "unknown"}` };
    },
    async destroy() {
      loggedIn = false;
      await client.destroy();
      await verified.close();
    },
  };
}
