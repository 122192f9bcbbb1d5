/**
 * HTTP mode without a second server: a Bolt `Receiver` whose `handler` is mounted on the bot's one HTTP
 * server at `/slack/events`. That server reads the raw body (bounded, 413 beyond its limit) and hands
 * it over; this receiver never reads the request stream itself. It verifies the signature with the injected clock (both directions of the
 * 5-minute window), refuses malformed bodies with 400 before Bolt sees them, and hands everything else to
 * `App#processEvent` with an `ack` that writes the HTTP response at once.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { App, Receiver, ReceiverEvent } from "@slack/bolt";
import type { Clock, Log } from "../../services/ports.js";
import { classifyBody, isSslCheck } from "./payloads.js";
import { ALREADY_RECEIVED, CANNOT_CHECK, REPLAY_TTL_MS, type ReplayGuard, replayKey } from "./replays.js";
import { verifySlackSignature } from "./verify.js";

export interface SignedHttpReceiverOptions {
  signingSecret: string;
  clock: Clock;
  log: Log;
  /** Slack gives up after 3 s; answering just after that frees the connection and logs the miss. */
  ackTimeoutMs?: number;
  /** Accepts each signature once (see replays.ts); without it, commands and clicks are refused. */
  replays?: ReplayGuard;
}

/** `body` is the request's raw body, read by the HTTP server within its size limit. */
export type HttpHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

export class SignedHttpReceiver implements Receiver {
  private app: App | undefined;
  private running = false;
  private readonly ackTimeoutMs: number;

  constructor(private readonly options: SignedHttpReceiverOptions) {
    this.ackTimeoutMs = options.ackTimeoutMs ?? 3001;
  }

  init(app: App): void {
    this.app = app;
  }

  async start(): Promise<void> {
    this.running = true;
  }

  async stop(): Promise<void> {
    this.running = false;
  }

  readonly handler: HttpHandler = (req, res, body) => {
    this.handle(req, res, body).catch((err: unknown) => {
      this.options.log.error({ err }, "slack request handling failed");
      if (!res.headersSent) end(res, 500);
    });
  };

  private async handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const log = this.options.log;
    if (req.method !== "POST") {
      res.setHeader("allow", "POST");
      return end(res, 405);
    }
    const raw = body.toString("utf8");
    const contentType = header(req, "content-type");
    if (isSslCheck(contentType, raw)) return end(res, 200);

    const verdict = verifySlackSignature(
      this.options.signingSecret,
      { signature: header(req, "x-slack-signature"), timestamp: header(req, "x-slack-request-timestamp") },
      raw,
      this.options.clock,
    );
    if (!verdict.ok) {
      log.warn({ reason: verdict.reason }, "slack request refused: signature check failed");
      return end(res, 401);
    }
    const parsed = classifyBody(contentType, raw);
    if (parsed.kind === "invalid") {
      log.warn({ reason: parsed.reason }, "slack request refused: not a valid Slack payload");
      return end(res, 400, parsed.reason);
    }
    if (parsed.kind === "ssl_check") return end(res, 200);
    if (parsed.kind === "url_verification") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ challenge: parsed.challenge }));
      return;
    }
    if (!this.running || !this.app) return end(res, 503);
    if (
      (parsed.kind === "command" || parsed.kind === "action" || parsed.kind === "view") &&
      !(await this.firstDelivery(req, res, parsed.kind === "view" ? "action" : parsed.kind))
    )
      return;

    const event: ReceiverEvent = {
      body: parsed.body,
      ack: this.ackFor(res),
      retryNum: numberHeader(req, "x-slack-retry-num"),
      retryReason: header(req, "x-slack-retry-reason"),
    };
    try {
      await this.app.processEvent(event);
    } catch (err) {
      log.error({ err }, "slack listener failed");
      if (!res.headersSent) end(res, 500);
    }
  }

  /**
   * Claims the request's signature; false when it was answered here instead (a replay, or no way to tell).
   * Runs after the signature check, so only requests signed by Slack can create claims.
   */
  private async firstDelivery(
    req: IncomingMessage,
    res: ServerResponse,
    kind: "command" | "action",
  ): Promise<boolean> {
    const log = this.options.log;
    const retryNum = numberHeader(req, "x-slack-retry-num");
    let first: boolean;
    try {
      if (!this.options.replays) throw new Error("no replay guard configured");
      first = await this.options.replays.claim(replayKey(header(req, "x-slack-signature")!), REPLAY_TTL_MS);
    } catch (err) {
      log.warn(
        { kind, err: err instanceof Error ? err.message : String(err) },
        "slack request refused: replay check failed",
      );
      if (kind === "action") end(res, 503);
      else ephemeral(res, CANNOT_CHECK);
      return false;
    }
    if (first) return true;
    if (retryNum !== undefined) {
      log.info(
        { kind, retryNum, retryReason: header(req, "x-slack-retry-reason") },
        "slack retry of a request already received; not run again",
      );
      end(res, 200);
    } else {
      log.warn({ kind }, "slack request replayed: same signature seen before; not run again");
      if (kind === "command") ephemeral(res, ALREADY_RECEIVED);
      else end(res, 200);
    }
    return false;
  }

  /** One ack per request; a second is a programming error, as in Bolt. */
  private ackFor(res: ServerResponse): ReceiverEvent["ack"] {
    let acked = false;
    const timer = setTimeout(() => {
      if (acked || res.headersSent) return;
      this.options.log.error({}, "slack request not acknowledged within 3 seconds");
      end(res, 500);
    }, this.ackTimeoutMs);
    timer.unref();
    return async (body?: unknown) => {
      if (acked) throw new Error("slack request acknowledged twice");
      acked = true;
      clearTimeout(timer);
      if (res.headersSent) return;
      if (body === undefined || body === "") return end(res, 200);
      if (typeof body === "string") return end(res, 200, body);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
  }
}

function end(res: ServerResponse, status: number, text?: string): void {
  if (text === undefined) {
    res.writeHead(status);
    res.end();
    return;
  }
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  res.end(text);
}

/** A slash command's ack with text: Slack shows it to the sender only. */
function ephemeral(res: ServerResponse, text: string): void {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ response_type: "ephemeral", text }));
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function numberHeader(req: IncomingMessage, name: string): number | undefined {
  const v = header(req, name);
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}
