/**
 * What `/readyz` says about Slack. Ready means the bot token is accepted (the last `auth.test`, repeated at
 * most every 30 s while it succeeds and every 5 s while it fails) and, once the adapter receives events,
 * that the event path is up: Socket Mode's WebSocket connected, or the HTTP receiver running. A revoked
 * token or a dropped socket therefore shows within one cache period.
 */
import type { Clock } from "../../services/ports.js";
import type { AdapterReadiness } from "../chat.js";

const OK_TTL_MS = 30_000;
const FAILURE_TTL_MS = 5_000;

/** Socket Mode client states (SocketModeClient's `State`). */
const SOCKET_STATES = ["connecting", "connected", "reconnecting", "disconnecting", "disconnected"] as const;

/** The socket's state, or `running` for the HTTP receiver. */
type EventPath = (typeof SOCKET_STATES)[number] | "running";

export interface SocketEvents {
  on(event: string, listener: () => void): unknown;
}

/** Slack's error code from a Web API failure (`invalid_auth`), or the network error's code or message. */
export function slackErrorCode(err: unknown): string {
  const e = err as { data?: { error?: unknown }; code?: unknown; message?: unknown };
  if (typeof e?.data?.error === "string") return e.data.error;
  if (typeof e?.code === "string") return e.code;
  return typeof e?.message === "string" ? e.message : String(err);
}

export class SlackHealth {
  private auth: { at: number; result: AdapterReadiness } | undefined;
  /** undefined until the adapter starts receiving; a notify-only adapter never does. */
  private events: EventPath | "stopped" | undefined;

  constructor(
    private readonly authTest: () => Promise<unknown>,
    private readonly clock: Clock,
  ) {}

  /**
   * Follows a Socket Mode client's connection state. The client emits no state when its WebSocket drops,
   * only `close`, and says `reconnecting` after its ping timeout; `close` is taken as `disconnected` at once.
   */
  watchSocket(client: SocketEvents): void {
    const follow = (event: string, state: EventPath) =>
      client.on(event, () => {
        if (this.events !== undefined && this.events !== "stopped") this.events = state;
      });
    for (const state of SOCKET_STATES) follow(state, state);
    follow("close", "disconnected");
  }

  /** Records an `auth.test` made elsewhere (Bolt's own at start), so the next check need not repeat it. */
  noteAuth(err?: unknown): AdapterReadiness {
    const result: AdapterReadiness = err
      ? { ok: false, detail: `Slack refused the bot token (auth.test: ${slackErrorCode(err)})` }
      : { ok: true, detail: "bot token accepted" };
    this.auth = { at: this.clock.now(), result };
    return result;
  }

  receiving(state: EventPath): void {
    this.events = state;
  }

  stopped(): void {
    this.events = "stopped";
  }

  async check(): Promise<AdapterReadiness> {
    if (this.events === "stopped") return { ok: false, detail: "slack adapter stopped" };
    if (this.events !== undefined && this.events !== "connected" && this.events !== "running") {
      return { ok: false, detail: `Socket Mode connection ${this.events}` };
    }
    const cached = this.auth;
    const ttl = cached?.result.ok ? OK_TTL_MS : FAILURE_TTL_MS;
    if (cached && this.clock.now() - cached.at < ttl) return cached.result;
    try {
      await this.authTest();
      return this.noteAuth();
    } catch (err) {
      return this.noteAuth(err);
    }
  }
}
