/**
 * Socket Mode as Slack runs it: `apps.connections.open` hands out a ws:// URL, the server greets with
 * `hello`, pushes envelopes ({envelope_id, type, payload, accepts_response_payload}) and waits for the
 * client to ack each one by sending `{envelope_id, payload?}` back.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";

export interface EnvelopeAck {
  envelopeId: string;
  payload: unknown;
  /** Milliseconds from sending the envelope to receiving its ack. */
  latencyMs: number;
}

export class FakeSocketMode {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly tickets = new Set<string>();
  private readonly sockets = new Set<WebSocket>();
  private readonly pending = new Map<string, { sentAt: number; resolve: (a: EnvelopeAck) => void }>();
  connections = 0;

  constructor(private readonly baseWsUrl: () => string) {}

  /** A one-time URL, as `apps.connections.open` returns. */
  issueUrl(): string {
    const ticket = randomUUID();
    this.tickets.add(ticket);
    return `${this.baseWsUrl()}/link/?ticket=${ticket}`;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const ticket = url.searchParams.get("ticket") ?? "";
    if (url.pathname !== "/link/" || !this.tickets.delete(ticket)) {
      socket.end("HTTP/1.1 401 Unauthorized\r\n\r\n");
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.connections++;
      this.sockets.add(ws);
      ws.on("close", () => this.sockets.delete(ws));
      ws.on("message", (data) => this.onMessage(String(data)));
      ws.send(
        JSON.stringify({ type: "hello", num_connections: this.sockets.size, debug_info: { host: "fake" } }),
      );
    });
  }

  /** Sends an envelope to the newest connection and resolves with the client's ack. */
  send(
    type: "slash_commands" | "interactive" | "events_api",
    payload: unknown,
    timeoutMs = 5000,
  ): Promise<EnvelopeAck> {
    const ws = [...this.sockets].at(-1);
    if (!ws) return Promise.reject(new Error("no socket-mode client connected"));
    const envelopeId = randomUUID();
    return new Promise<EnvelopeAck>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(envelopeId);
        reject(new Error(`envelope ${type} was not acknowledged within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(envelopeId, {
        sentAt: performance.now(),
        resolve: (a) => {
          clearTimeout(timer);
          resolve(a);
        },
      });
      ws.send(
        JSON.stringify({
          envelope_id: envelopeId,
          type,
          payload,
          accepts_response_payload: type !== "events_api",
          retry_attempt: 0,
        }),
      );
    });
  }

  async waitForConnection(timeoutMs = 5000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.sockets.size === 0) {
      if (Date.now() > until) throw new Error("no socket-mode connection");
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): void {
    for (const ws of this.sockets) ws.terminate();
    this.wss.close();
  }

  private onMessage(text: string): void {
    let msg: { envelope_id?: string; payload?: unknown };
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    const pending = msg.envelope_id ? this.pending.get(msg.envelope_id) : undefined;
    if (!pending || !msg.envelope_id) return;
    this.pending.delete(msg.envelope_id);
    pending.resolve({
      envelopeId: msg.envelope_id,
      payload: msg.payload,
      latencyMs: performance.now() - pending.sentAt,
    });
  }
}
