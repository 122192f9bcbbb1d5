/**
 * A tiny stand-in for the part of Discord's REST API that command registration uses: `GET /applications/@me`
 * and GET/PUT of global and guild commands, under `/api/v10`. Every request body is checked against the
 * OpenAPI spec, a wrong token gets 401, and `rateLimitOnce` answers the next call with a 429 as Discord
 * does. Stored commands come back with the fields Discord adds (ids, version, defaults), as a real GET would.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { DiscordOpenApi } from "./openapi.js";

export interface SeenCall {
  method: string;
  path: string;
  body?: unknown;
}

const spec = new DiscordOpenApi();

export class RegistrationServer {
  readonly calls: SeenCall[] = [];
  /** Commands by route without `/api/v10` (`/applications/<app>/commands`, `…/guilds/<g>/commands`). */
  readonly commands = new Map<string, Record<string, unknown>[]>();
  rateLimitOnce = false;
  private server?: Server;
  private nextId = 1_000_000_000_000_000n;

  constructor(
    readonly token: string,
    readonly applicationId: string,
  ) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/v10`;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.close();
    await once(this.server, "close");
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const method = req.method ?? "GET";
    const path = (req.url ?? "/").split("?")[0]!;
    const body = raw ? (JSON.parse(raw) as unknown) : undefined;
    this.calls.push({ method, path, body });
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(payload));
    };
    if (req.headers.authorization !== `Bot ${this.token}`)
      return send(401, { message: "401: Unauthorized", code: 0 });
    if (this.rateLimitOnce) {
      this.rateLimitOnce = false;
      res.setHeader("retry-after", "0.05");
      return send(429, { message: "You are being rate limited.", retry_after: 0.05, global: false });
    }
    const verdict = spec.check(method, path, body);
    if (!verdict.ok) return send(400, { message: "Invalid Form Body", code: 50035, errors: verdict.errors });
    const route = path.replace(/^\/api\/v10/, "");
    if (method === "GET" && route === "/applications/@me")
      return send(200, { id: this.applicationId, name: "pve" });
    const match = /^\/applications\/(\d+)(?:\/guilds\/\d+)?\/commands$/.exec(route);
    if (!match || match[1] !== this.applicationId)
      return send(404, { message: "Unknown Application", code: 10002 });
    if (method === "GET") return send(200, this.commands.get(route) ?? []);
    const stored = (body as Record<string, unknown>[]).map((c) => ({
      id: String(this.nextId++),
      application_id: this.applicationId,
      version: String(this.nextId++),
      default_member_permissions: null,
      nsfw: false,
      integration_types: [0],
      name_localizations: null,
      description_localizations: null,
      ...c,
    }));
    this.commands.set(route, stored);
    return send(200, stored);
  }
}
