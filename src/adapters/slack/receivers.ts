/**
 * Picks the Bolt receiver for the configured mode: the signed HTTP receiver mounted on the bot's server, or
 * Socket Mode, whose HTTP handler only explains that events arrive over the WebSocket.
 */
import { type Logger, type Receiver, SocketModeReceiver } from "@slack/bolt";
import type { Clock, Log } from "../../services/ports.js";
import type { SlackConfig } from "./config.js";
import { type HttpHandler, SignedHttpReceiver } from "./receiver.js";

export interface ChosenReceiver {
  receiver: Receiver;
  httpHandler: HttpHandler;
  /** Socket Mode's client, whose connection state readiness follows; undefined in HTTP mode. */
  socketClient?: SocketModeReceiver["client"];
}

export function chooseReceiver(
  config: SlackConfig,
  deps: { clock: Clock; log: Log; logger: Logger; slackApiUrl: string },
): ChosenReceiver {
  if (config.mode === "http") {
    const http = new SignedHttpReceiver({
      signingSecret: config.signingSecret!,
      clock: deps.clock,
      log: deps.log,
    });
    return { receiver: http, httpHandler: http.handler };
  }
  const socket = new SocketModeReceiver({
    appToken: config.appToken!,
    logger: deps.logger,
    installerOptions: { clientOptions: { slackApiUrl: deps.slackApiUrl } },
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
