/**
 * Picks the Bolt receiver for the configured mode: the signed HTTP receiver mounted on the bot's server, or
 * Socket Mode, whose HTTP handler only explains that events arrive over the WebSocket.
 */
import type { Logger, Receiver, SocketModeReceiver } from "@slack/bolt";
import type { Clock, Log } from "../../services/ports.js";
import type { SlackConfig } from "./config.js";
import { type HttpHandler, SignedHttpReceiver } from "./receiver.js";
import type { ReplayGuard } from "./replays.js";
import { verifiedSocketModeReceiver } from "./socket-mode.js";

export interface ChosenReceiver {
  receiver: Receiver;
  httpHandler: HttpHandler;
  /** Socket Mode's client, whose connection state readiness follows; undefined in HTTP mode. */
  socketClient?: SocketModeReceiver["client"];
}

export function chooseReceiver(
  config: SlackConfig,
  deps: {
    clock: Clock;
    log: Log;
    logger: Logger;
    slackApiUrl: string;
    /** Fetch that always verifies TLS, for Socket Mode's apps.connections.open. */
    fetch: typeof globalThis.fetch;
    replays?: ReplayGuard;
  },
): ChosenReceiver {
  if (config.mode === "http") {
    const http = new SignedHttpReceiver({
      signingSecret: config.signingSecret!,
      clock: deps.clock,
      log: deps.log,
      ...(deps.replays ? { replays: deps.replays } : {}),
    });
    return { receiver: http, httpHandler: http.handler };
  }
  const socket = verifiedSocketModeReceiver({
    appToken: config.appToken!,
    logger: deps.logger,
    slackApiUrl: deps.slackApiUrl,
    fetch: deps.fetch,
  });
  return {
    receiver: socket,
    socketClient: socket.client,
    httpHandler: (_req, res) => {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      res.end("Slack runs in socket mode; events arrive over the WebSocket\n");
    },
  };
}
