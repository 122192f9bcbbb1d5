/**
 * The fake gateway: plain JSON text frames (discord.js uses zlib only when `zlib-sync` is installed, and it is
 * not). HELLO on connect; IDENTIFY checks the token (close 4004) and the intents (only Guilds is allowed,
 * close 4014 otherwise) and answers READY; heartbeats are ACKed; RESUME replays what was dispatched while the
 * socket was down and says RESUMED. Dispatches sent while no socket is open wait for the resume.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";

export const GUILDS_INTENT = 1;

interface Session {
  id: string;
  seq: number;
  socket: WebSocket | undefined;
  /** Dispatches by sequence number, kept for a resume. */
  sent: { s: number; t: string; d: unknown }[];
}

export interface GatewayOptions {
  token: string;
  appId: string;
  botUserId: string;
  heartbeatIntervalMs: number;
  gatewayUrl: () => string;
}

export class FakeGateway {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sessions = new Map<string, Session>();
  /** Counters tests read. */
  readonly stats = { identifies: 0, resumes: 0, heartbeats: 0, connections: 0 };
  /** Intents of the last IDENTIFY. */
  lastIntents: number | undefined;
  /** When false, heartbeats go unanswered (a zombie connection). */
  ackHeartbeats = true;
  private current: Session | undefined;
  private readyWaiters: (() => void)[] = [];

  constructor(private readonly options: GatewayOptions) {}

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (!req.url?.startsWith("/gateway")) {
      socket.destroy();
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  /** Resolves once a session is identified (or resumed) and has a socket. */
  ready(): Promise<void> {
    if (this.current?.socket) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  get isConnected(): boolean {
    return this.current?.socket !== undefined;
  }

  /** Sends a dispatch to the bot, or keeps it for the resume while the socket is down. */
  dispatch(t: string, d: unknown): void {
    const session = this.current;
    if (!session) throw new Error("no gateway session: the bot has not identified");
    const s = ++session.seq;
    session.sent.push({ s, t, d });
    if (session.sent.length > 10_000) session.sent.shift();
    session.socket?.send(JSON.stringify({ op: 0, s, t, d }));
  }

  /** Drops the socket without a close frame, as a network failure would; the session stays resumable. */
  dropSocket(): void {
    const socket = this.current?.socket;
    if (this.current) this.current.socket = undefined;
    socket?.terminate();
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private accept(ws: WebSocket): void {
    this.stats.connections++;
    ws.send(
      JSON.stringify({
        op: 10,
        d: { heartbeat_interval: this.options.heartbeatIntervalMs },
        s: null,
        t: null,
      }),
    );
    ws.on("message", (raw) => {
      let packet: { op?: number; d?: Record<string, unknown> | number | null };
      try {
        packet = JSON.parse(String(raw));
      } catch {
        ws.close(4002, "Decode error");
        return;
      }
      this.onPacket(ws, packet);
    });
    ws.on("close", () => {
      for (const session of this.sessions.values()) if (session.socket === ws) session.socket = undefined;
    });
  }

  private onPacket(ws: WebSocket, packet: { op?: number; d?: unknown }): void {
    const d = (packet.d ?? {}) as Record<string, unknown>;
    switch (packet.op) {
      case 1:
        this.stats.heartbeats++;
        if (this.ackHeartbeats) ws.send(JSON.stringify({ op: 11 }));
        return;
      case 2:
        this.identify(ws, d);
        return;
      case 6:
        this.resume(ws, d);
        return;
      default:
        return;
    }
  }

  private identify(ws: WebSocket, d: Record<string, unknown>): void {
    this.stats.identifies++;
    if (d.token !== this.options.token && d.token !== `Bot ${this.options.token}`) {
      ws.close(4004, "Authentication failed.");
      return;
    }
    this.lastIntents = Number(d.intents);
    if (this.lastIntents !== GUILDS_INTENT) {
      ws.close(4014, "Disallowed intent(s).");
      return;
    }
    const session: Session = { id: `session-${this.stats.identifies}`, seq: 0, socket: ws, sent: [] };
    this.sessions.set(session.id, session);
    this.current = session;
    this.dispatch("READY", {
      v: 10,
      user: { id: this.options.botUserId, username: "pve-bot", discriminator: "0", avatar: null, bot: true },
      guilds: [],
      session_id: session.id,
      resume_gateway_url: this.options.gatewayUrl(),
      shard: [0, 1],
      application: { id: this.options.appId, flags: 0 },
    });
    this.wakeReady();
  }

  private resume(ws: WebSocket, d: Record<string, unknown>): void {
    const session = this.sessions.get(String(d.session_id));
    if (!session || (d.token !== this.options.token && d.token !== `Bot ${this.options.token}`)) {
      ws.send(JSON.stringify({ op: 9, d: false }));
      return;
    }
    this.stats.resumes++;
    session.socket = ws;
    this.current = session;
    const after = typeof d.seq === "number" ? d.seq : 0;
    for (const event of session.sent.filter((e) => e.s > after)) ws.send(JSON.stringify({ op: 0, ...event }));
    this.dispatch("RESUMED", {});
    this.wakeReady();
  }

  private wakeReady(): void {
    for (const wake of this.readyWaiters.splice(0)) wake();
  }
}
