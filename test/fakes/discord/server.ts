/**
 * A fake Discord on 127.0.0.1: REST under `/api/v10` (rest.ts) and the gateway WebSocket at `/gateway`
 * (gateway.ts). Tests make users use the bot through it (a slash command, an autocomplete, a button, a modal
 * submit) and read back what Discord would show. It can answer the next calls of a route with 429 and
 * Discord's rate-limit headers, or with a 5xx, and checks every REST call against Discord's official OpenAPI
 * spec (openapi.ts); what the spec refuses is kept in `problems`, which the tests expect to stay empty.
 */
import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { FakeGateway } from "./gateway.js";
import {
  type CommandOption,
  commandData,
  componentData,
  type FakeUser,
  interactionBase,
  messageObject,
  modalData,
} from "./interactions.js";
import { DiscordOpenApi } from "./openapi.js";
import { handleRest, type RestAnswer, type RestRequest } from "./rest.js";
import { FakeDiscordState, type FakeInteraction, type FakeMessage } from "./state.js";

/** Checks one REST call; returns what is wrong with it (empty: valid). */
export type RestValidator = (call: { method: string; path: string; body: unknown }) => string[];

export interface FakeDiscordOptions {
  token: string;
  appId: string;
  guildId: string;
  heartbeatIntervalMs?: number;
  /** Time allowed for an interaction's initial response; Discord's 3 s by default. */
  deadlineMs?: number;
  /** Checks every REST call; Discord's official OpenAPI spec by default. */
  validate?: RestValidator;
}

let openApi: DiscordOpenApi | undefined;

/** Every call must be an operation of the spec, with a JSON body its request schema accepts. */
export const specValidator: RestValidator = ({ method, path, body }) => {
  openApi ??= new DiscordOpenApi();
  const check = openApi.check(method, path, body);
  return check.ok ? [] : check.errors;
};

interface Injected {
  pattern: RegExp;
  method: string | undefined;
  answer: RestAnswer & { headers?: Record<string, string> };
}

export class FakeDiscord {
  readonly state = new FakeDiscordState();
  readonly gateway: FakeGateway;
  readonly botUserId = "1200000000000000001";
  /** What the validator said about calls the bot made. */
  readonly problems: string[] = [];
  /** Emits `answered` with the interaction when its initial response arrives. */
  readonly events = new EventEmitter();
  private readonly server: Server;
  private readonly injected: Injected[] = [];
  private readonly commandId = "1250000000000000001";

  private constructor(readonly options: FakeDiscordOptions) {
    this.gateway = new FakeGateway({
      token: options.token,
      appId: options.appId,
      botUserId: this.botUserId,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 45_000,
      gatewayUrl: () => this.gatewayUrl,
    });
    this.server = createServer((req, res) => {
      this.serve(req)
        .then(({ status, body, headers }) => {
          res.writeHead(status, {
            ...(body === undefined ? {} : { "content-type": "application/json" }),
            ...headers,
          });
          res.end(body === undefined ? undefined : JSON.stringify(body));
        })
        .catch((err: unknown) => {
          res.writeHead(500, { "content-type": "text/plain" });
          res.end(String(err));
        });
    });
    this.server.on("upgrade", (req, socket, head) => this.gateway.handleUpgrade(req, socket, head));
  }

  static async start(options: FakeDiscordOptions): Promise<FakeDiscord> {
    const fake = new FakeDiscord(options);
    await new Promise<void>((resolve) => fake.server.listen(0, "127.0.0.1", resolve));
    return fake;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  /** What DISCORD_API_URL is set to: the REST base with the API version. */
  get apiUrl(): string {
    return `${this.baseUrl}/api/v10`;
  }
  get gatewayUrl(): string {
    return `${this.baseUrl.replace(/^http/, "ws")}/gateway`;
  }

  /** The next `times` calls matching `pattern` answer 429 with Retry-After and X-RateLimit headers. */
  rateLimitNext(pattern: RegExp, times: number, retryAfterSeconds = 0.2, method?: string): void {
    for (let i = 0; i < times; i++) {
      this.injected.push({
        pattern,
        method,
        answer: {
          status: 429,
          body: { message: "You are being rate limited.", retry_after: retryAfterSeconds, global: false },
          headers: {
            "retry-after": String(Math.ceil(retryAfterSeconds)),
            "x-ratelimit-limit": "5",
            "x-ratelimit-remaining": "0",
            "x-ratelimit-reset-after": String(retryAfterSeconds),
            "x-ratelimit-reset": String((Date.now() / 1000 + retryAfterSeconds).toFixed(3)),
            "x-ratelimit-bucket": `fake-${pattern.source.length}`,
            "x-ratelimit-scope": "user",
          },
        },
      });
    }
  }

  /** The next call matching `pattern` answers `status` (a 5xx outage, a 403 missing access). */
  failNext(pattern: RegExp, status: number, code = 0, method?: string): void {
    this.injected.push({
      pattern,
      method,
      answer: { status, body: { code, message: `injected ${status}` } },
    });
  }

  /** A user types `/pve <group?> <sub?>` with options; resolves with the interaction the bot must answer. */
  slashCommand(
    user: FakeUser,
    path: string[],
    options: CommandOption[] = [],
    place: { guildId?: string | null; channelId: string } = { channelId: "1100000000000000001" },
  ): FakeInteraction {
    return this.send(user, place, 2, commandData(path[0]!, this.nest(path, options), this.commandId));
  }

  /** Typing in an autocomplete option: `focused` marks the option being typed. */
  autocomplete(user: FakeUser, path: string[], options: CommandOption[], channelId: string): FakeInteraction {
    return this.send(user, { channelId }, 4, commandData(path[0]!, this.nest(path, options), this.commandId));
  }

  /** A user presses the button with `customId` on `message`. */
  click(user: FakeUser, message: FakeMessage, customId: string): FakeInteraction {
    return this.send(user, { channelId: message.channelId }, 3, componentData(customId), message);
  }

  /** A user submits a modal opened from a button on `message`. */
  submitModal(
    user: FakeUser,
    message: FakeMessage | undefined,
    customId: string,
    values: Record<string, string>,
  ): FakeInteraction {
    return this.send(
      user,
      { channelId: message?.channelId ?? "1100000000000000001" },
      5,
      modalData(customId, values),
      message,
    );
  }

  /** Resolves once the bot has answered the interaction's initial response (or rejects after `ms`). */
  async answered(interaction: FakeInteraction, ms = 5000): Promise<NonNullable<FakeInteraction["callback"]>> {
    const deadline = Date.now() + ms;
    while (!interaction.callback) {
      if (Date.now() > deadline)
        throw new Error(`interaction ${interaction.id} was not answered within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return interaction.callback;
  }

  messageJson = (m: FakeMessage): Record<string, unknown> =>
    messageObject({ ...m, appId: this.options.appId });

  async close(): Promise<void> {
    await this.gateway.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Subcommand groups (type 2) and subcommands (type 1) nest the options under the top-level name. */
  private nest(path: string[], options: CommandOption[]): CommandOption[] {
    const [, group, sub] = path;
    if (group === undefined) return options;
    if (sub === undefined) return [{ name: group, type: 1, options }];
    return [{ name: group, type: 2, options: [{ name: sub, type: 1, options }] }];
  }

  private send(
    user: FakeUser,
    place: { guildId?: string | null; channelId: string },
    type: number,
    data: Record<string, unknown>,
    message?: FakeMessage,
  ): FakeInteraction {
    const ids = { id: this.state.snowflake(), token: `itok-${randomBytes(24).toString("base64url")}` };
    const guildId = place.guildId === null ? undefined : (place.guildId ?? this.options.guildId);
    const interaction: FakeInteraction = {
      ...ids,
      type,
      createdAt: this.state.now(),
      channelId: place.channelId,
      ...(message ? { messageId: message.id } : {}),
    };
    this.state.interactions.set(ids.id, interaction);
    const payload = interactionBase(
      { appId: this.options.appId, guildId, channelId: place.channelId },
      user,
      ids,
      type,
    );
    this.gateway.dispatch("INTERACTION_CREATE", {
      ...payload,
      data,
      ...(message ? { message: this.messageJson(message) } : {}),
    });
    return interaction;
  }

  private async serve(req: IncomingMessage): Promise<RestAnswer & { headers?: Record<string, string> }> {
    const receivedAt = this.state.now();
    const url = new URL(req.url ?? "/", this.baseUrl);
    if (!url.pathname.startsWith("/api/v10/"))
      return { status: 404, body: { code: 0, message: "404: Not Found" } };
    const path = url.pathname.slice("/api/v10".length);
    const raw = await readAll(req);
    const { body, files } = await parseBody(raw, String(req.headers["content-type"] ?? ""));
    const method = req.method ?? "GET";
    const injected = this.injected.findIndex((i) => i.pattern.test(path) && (i.method ?? method) === method);
    let answer: RestAnswer & { headers?: Record<string, string> };
    if (injected >= 0) {
      answer = this.injected.splice(injected, 1)[0]!.answer;
    } else {
      for (const problem of (this.options.validate ?? specValidator)({ method, path, body })) {
        this.problems.push(`${method} ${path}: ${problem}`);
      }
      const request: RestRequest = {
        method,
        path,
        query: url.searchParams,
        authorization: req.headers.authorization,
        body: body as RestRequest["body"],
        files,
        receivedAt,
      };
      answer = handleRest(
        {
          state: this.state,
          token: this.options.token,
          appId: this.options.appId,
          botUserId: this.botUserId,
          gatewayUrl: () => this.gatewayUrl,
          messageJson: this.messageJson,
          deadlineMs: this.options.deadlineMs ?? 3000,
        },
        request,
      );
    }
    this.state.calls.push({ method, path, status: answer.status, body, at: this.state.now() });
    if (path.startsWith("/interactions/") && answer.status === 204) {
      this.events.emit("answered", this.state.interactions.get(path.split("/")[2]!));
    }
    return answer;
  }
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** JSON, or multipart with `payload_json` and `files[n]` parts (how discord.js sends attachments). */
async function parseBody(
  raw: Buffer,
  type: string,
): Promise<{ body: unknown; files: { filename: string; size: number }[] }> {
  if (raw.length === 0) return { body: undefined, files: [] };
  if (type.startsWith("multipart/form-data")) {
    const form = await new Response(raw, { headers: { "content-type": type } }).formData();
    const files: { filename: string; size: number }[] = [];
    let body: unknown;
    for (const [key, value] of form.entries()) {
      if (key === "payload_json") body = JSON.parse(String(value));
      else if (typeof value !== "string") files.push({ filename: value.name, size: value.size });
    }
    return { body, files };
  }
  return { body: JSON.parse(raw.toString("utf8")), files: [] };
}
