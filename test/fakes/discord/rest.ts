/**
 * The REST routes the bot uses, under `/api/v10`, with Discord's rules: `Bot` authorization except on
 * interaction callbacks and webhooks; one initial response per interaction, within 3 seconds (later: 404
 * Unknown interaction, 10062); interaction tokens valid for 15 minutes (later: 401 Invalid Webhook Token,
 * 50027); the first follow-up after a deferred "thinking" response edits it and keeps its ephemeral flag;
 * messages of an interaction cannot be edited through the channel endpoints (403, 50005).
 */
import { choiceProblems, messageProblems, modalProblems } from "./limits.js";
import {
  EPHEMERAL,
  type FakeDiscordState,
  type FakeInteraction,
  type FakeMessage,
  LOADING,
} from "./state.js";

type Json = Record<string, unknown>;

export interface RestRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  body: Json | undefined;
  files: { filename: string; size: number }[];
  /** When the request arrived (the fake's own checks take time that is not the bot's). */
  receivedAt: number;
}

export interface RestAnswer {
  status: number;
  body?: unknown;
}

export interface RestContext {
  state: FakeDiscordState;
  token: string;
  appId: string;
  botUserId: string;
  gatewayUrl: () => string;
  messageJson: (m: FakeMessage) => Json;
  /** Discord's 3 s for the initial response. */
  deadlineMs: number;
}

const FIFTEEN_MINUTES = 15 * 60_000;

const error = (status: number, code: number, message: string, errors?: unknown): RestAnswer => ({
  status,
  body: { code, message, ...(errors ? { errors } : {}) },
});

function invalid(problems: string[]): RestAnswer | undefined {
  if (problems.length === 0) return undefined;
  return error(400, 50035, "Invalid Form Body", {
    _errors: problems.map((message) => ({ code: "BASE_TYPE_INVALID", message })),
  });
}

export function handleRest(ctx: RestContext, req: RestRequest): RestAnswer {
  const parts = req.path.split("/").filter(Boolean);
  const body = req.body ?? {};
  const botAuth = req.authorization === `Bot ${ctx.token}`;
  const needsBot = parts[0] !== "interactions" && parts[0] !== "webhooks";
  if (needsBot && !botAuth) return error(401, 0, "401: Unauthorized");

  if (req.method === "GET" && req.path === "/gateway/bot") {
    return {
      status: 200,
      body: {
        url: ctx.gatewayUrl(),
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
      },
    };
  }
  if (req.method === "GET" && req.path === "/users/@me") {
    return {
      status: 200,
      body: { id: ctx.botUserId, username: "pve-bot", discriminator: "0", avatar: null, bot: true },
    };
  }
  if (parts[0] === "applications" && parts.at(-1) === "commands") return commands(ctx, req, parts);
  if (parts[0] === "interactions" && parts[3] === "callback" && req.method === "POST") {
    return callback(ctx, parts[1]!, parts[2]!, body, req.receivedAt);
  }
  if (parts[0] === "webhooks") return webhook(ctx, req, parts, body);
  if (parts[0] === "channels" && parts[2] === "messages") return channelMessages(ctx, req, parts, body);
  return error(404, 0, "404: Not Found");
}

function commands(ctx: RestContext, req: RestRequest, parts: string[]): RestAnswer {
  if (parts[1] !== ctx.appId) return error(403, 50001, "Missing Access");
  const scope = parts[2] === "guilds" ? parts[3]! : "global";
  if (req.method === "GET") return { status: 200, body: ctx.state.commands.get(scope) ?? [] };
  if (req.method !== "PUT" || !Array.isArray(req.body)) return error(405, 0, "405: Method Not Allowed");
  const list = (req.body as Json[]).map((c) => ({
    ...c,
    id: ctx.state.snowflake(),
    application_id: ctx.appId,
    version: ctx.state.snowflake(),
    ...(scope === "global" ? {} : { guild_id: scope }),
  }));
  ctx.state.commands.set(scope, list);
  return { status: 200, body: list };
}

function callback(ctx: RestContext, id: string, token: string, body: Json, receivedAt: number): RestAnswer {
  const { state } = ctx;
  const interaction = state.interactions.get(id);
  if (!interaction || interaction.token !== token) return error(404, 10062, "Unknown interaction");
  if (interaction.callback) return error(400, 40060, "Interaction has already been acknowledged.");
  if (receivedAt - interaction.createdAt > ctx.deadlineMs) return error(404, 10062, "Unknown interaction");
  const type = Number(body.type);
  const data = (body.data as Json | undefined) ?? {};
  const flags = Number(data.flags ?? 0) & EPHEMERAL;
  switch (type) {
    case 4: {
      const bad = invalid(messageProblems(data));
      if (bad) return bad;
      interaction.originalId = newMessage(ctx, interaction, data, flags).id;
      break;
    }
    case 5:
      interaction.originalId = newMessage(ctx, interaction, {}, flags | LOADING).id;
      break;
    case 6:
    case 7: {
      if (interaction.messageId === undefined) return error(400, 40004, "Interaction is not from a message");
      interaction.originalId = interaction.messageId;
      if (type === 7) {
        const bad = invalid(messageProblems(data));
        if (bad) return bad;
        edit(state.message(interaction.messageId)!, data);
      }
      break;
    }
    case 8: {
      const choices = (data.choices as Json[] | undefined) ?? [];
      const bad = invalid(choiceProblems(choices));
      if (bad) return bad;
      interaction.choices = choices as FakeInteraction["choices"];
      break;
    }
    case 9: {
      const bad = invalid(modalProblems(data));
      if (bad) return bad;
      interaction.modal = data;
      break;
    }
    default:
      return error(400, 50035, "Invalid Form Body", { type: `unsupported callback type ${type}` });
  }
  interaction.callback = { type, at: receivedAt, data };
  return { status: 204 };
}

function webhook(ctx: RestContext, req: RestRequest, parts: string[], body: Json): RestAnswer {
  const { state } = ctx;
  const [, appId, token, messages, messageId] = parts;
  const interaction = [...state.interactions.values()].find((i) => i.token === token);
  if (appId !== ctx.appId || !interaction?.callback) return error(404, 10015, "Unknown Webhook");
  if (state.now() - interaction.createdAt > FIFTEEN_MINUTES)
    return error(401, 50027, "Invalid Webhook Token");
  if (messages === undefined && req.method === "POST") {
    const bad = invalid(messageProblems(body));
    if (bad) return bad;
    const original = interaction.originalId ? state.message(interaction.originalId) : undefined;
    if (original && original.flags & LOADING) {
      edit(original, body);
      return { status: 200, body: ctx.messageJson(original) };
    }
    const flags = Number(body.flags ?? 0) & EPHEMERAL;
    const m = newMessage(ctx, interaction, body, flags, req.files);
    return { status: 200, body: ctx.messageJson(m) };
  }
  if (messages !== "messages" || messageId === undefined) return error(404, 0, "404: Not Found");
  const id = messageId === "@original" ? interaction.originalId : messageId;
  const message = id === undefined ? undefined : state.message(id);
  if (!message || (message.interactionId !== interaction.id && id !== interaction.messageId)) {
    return error(404, 10008, "Unknown Message");
  }
  if (req.method === "GET") return { status: 200, body: ctx.messageJson(message) };
  return deleteOrEdit(ctx, req, message, body);
}

function channelMessages(ctx: RestContext, req: RestRequest, parts: string[], body: Json): RestAnswer {
  const { state } = ctx;
  const [, channelId, , messageId] = parts;
  if (messageId === undefined) {
    if (req.method !== "POST") return error(405, 0, "405: Method Not Allowed");
    const bad = invalid(messageProblems(body));
    if (bad) return bad;
    if (!body.content && !(body.embeds as unknown[] | undefined)?.length && req.files.length === 0) {
      return error(400, 50006, "Cannot send an empty message");
    }
    const ref = (body.message_reference as Json | undefined)?.message_id;
    const m = state.addMessage({
      channelId: channelId!,
      content: String(body.content ?? ""),
      embeds: (body.embeds as Json[] | undefined) ?? [],
      components: (body.components as Json[] | undefined) ?? [],
      attachments: req.files,
      flags: 0,
      author: "bot",
      ...(typeof ref === "string" ? { replyTo: ref } : {}),
    });
    return { status: 200, body: ctx.messageJson(m) };
  }
  const message = state.message(messageId);
  if (!message || message.channelId !== channelId || message.flags & EPHEMERAL) {
    return error(404, 10008, "Unknown Message");
  }
  if (message.author !== "bot") return error(403, 50005, "Cannot edit a message authored by another user");
  return deleteOrEdit(ctx, req, message, body);
}

/** DELETE or PATCH of a message the caller may change; an edit must leave a message within the limits. */
function deleteOrEdit(ctx: RestContext, req: RestRequest, message: FakeMessage, body: Json): RestAnswer {
  if (req.method === "DELETE") {
    message.deleted = true;
    return { status: 204 };
  }
  if (req.method !== "PATCH") return error(405, 0, "405: Method Not Allowed");
  const bad = invalid(messageProblems({ ...currentOf(message), ...body }));
  if (bad) return bad;
  edit(message, body, req.files);
  return { status: 200, body: ctx.messageJson(message) };
}

function newMessage(
  ctx: RestContext,
  interaction: FakeInteraction,
  data: Json,
  flags: number,
  files: FakeMessage["attachments"] = [],
): FakeMessage {
  return ctx.state.addMessage({
    channelId: interaction.channelId,
    content: String(data.content ?? ""),
    embeds: (data.embeds as Json[] | undefined) ?? [],
    components: (data.components as Json[] | undefined) ?? [],
    attachments: files,
    flags,
    author: "interaction",
    interactionId: interaction.id,
  });
}

function currentOf(m: FakeMessage): Json {
  return { content: m.content, embeds: m.embeds, components: m.components };
}

/** An edit replaces the fields it names; the first fill of a "thinking" response is not an edit. */
function edit(m: FakeMessage, body: Json, files: FakeMessage["attachments"] = []): void {
  if ("content" in body) m.content = String(body.content ?? "");
  if ("embeds" in body) m.embeds = (body.embeds as Json[] | null) ?? [];
  if ("components" in body) m.components = (body.components as Json[] | null) ?? [];
  if ("attachments" in body || files.length > 0) m.attachments = files;
  if (m.flags & LOADING) m.flags &= ~LOADING;
  else m.edits++;
}
