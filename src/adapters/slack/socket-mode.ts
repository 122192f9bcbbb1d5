/**
 * The Socket Mode receiver with connections that verify TLS themselves: `apps.connections.open` over the
 * verifying fetch, and the WebSocket over a verifying dispatcher. Socket Mode events are not signed, so the
 * certificate of the WebSocket endpoint is what makes them Slack's.
 */
import { type Logger, SocketModeReceiver } from "@slack/bolt";
import { createVerifiedWebSocketDispatcher } from "../verified-http.js";

export function verifiedSocketModeReceiver(options: {
  appToken: string;
  logger: Logger;
  slackApiUrl: string;
  fetch: typeof globalThis.fetch;
}): SocketModeReceiver {
  const webSocket = createVerifiedWebSocketDispatcher();
  const receiver = new SocketModeReceiver({
    appToken: options.appToken,
    logger: options.logger,
    dispatcher: webSocket.dispatcher,
    installerOptions: { clientOptions: { slackApiUrl: options.slackApiUrl, fetch: options.fetch } },
  });
  // "close" follows the library's cleanup of a finished connection, before any reconnect opens one; the
  // library skips a close while a connection is active, and so does this.
  receiver.client.on("close", () => {
    if (!receiver.client.websocket?.isActive()) webSocket.destroySockets();
  });
  return receiver;
}
