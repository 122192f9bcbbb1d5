/**
 * The Web API methods the adapter uses, with Slack's response shapes (java-slack-sdk json-logs samples) and
 * error codes. Each handler receives parsed arguments and returns the JSON body; HTTP-level behaviour
 * (auth, 429, injected faults) is handled by the server before it gets here.
 */
import type { FakeSlackState } from "./state.js";
import { validateMessage } from "./validate.js";

export interface MethodContext {
  state: FakeSlackState;
  now: number;
  baseUrl: string;
  teamId: string;
  botUserId: string;
}

type Args = Record<string, unknown>;
type Result = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined);
const refuse = (error: string, extra: Result = {}): Result => ({ ok: false, error, ...extra });

function channelProblem(ctx: MethodContext, channel: string | undefined): string | undefined {
  if (!channel || !/^[CGD][A-Z0-9]+$/.test(channel)) return "channel_not_found";
  if (ctx.state.notInChannel.has(channel)) return "not_in_channel";
  return undefined;
}

export const METHODS: Record<string, (ctx: MethodContext, args: Args) => Result> = {
  "auth.test": (ctx) => ({
    ok: true,
    url: "https://fake.slack.com/",
    team: "Fake Team",
    user: "pvebot",
    team_id: ctx.teamId,
    user_id: ctx.botUserId,
    bot_id: "B0FAKEBOT",
    is_enterprise_install: false,
  }),

  "chat.postMessage": (ctx, args) => {
    const channel = str(args.channel);
    const problem = channelProblem(ctx, channel);
    if (problem) return refuse(problem);
    const v = validateMessage(args);
    if (!v.ok) return refuse(v.error, v.messages ? { response_metadata: { messages: v.messages } } : {});
    const ts = ctx.state.nextTs(ctx.now);
    const threadTs = str(args.thread_ts);
    ctx.state.messages.push({
      seq: ctx.state.nextSeq(),
      channel: channel!,
      ts,
      text: String(args.text ?? ""),
      blocks: v.blocks,
      ...(threadTs ? { threadTs } : {}),
      edits: 0,
    });
    return { ok: true, channel, ts, message: { type: "message", text: args.text, user: ctx.botUserId, ts } };
  },

  "chat.update": (ctx, args) => {
    const channel = str(args.channel);
    const problem = channelProblem(ctx, channel);
    if (problem) return refuse(problem);
    const msg = ctx.state.message(channel!, String(args.ts ?? ""));
    if (!msg) return refuse("message_not_found");
    if (msg.ephemeralTo) return refuse("cant_update_message");
    const v = validateMessage(args);
    if (!v.ok) return refuse(v.error, v.messages ? { response_metadata: { messages: v.messages } } : {});
    msg.text = String(args.text ?? "");
    msg.blocks = v.blocks;
    msg.edits++;
    return { ok: true, channel, ts: msg.ts, text: msg.text };
  },

  "chat.postEphemeral": (ctx, args) => {
    const channel = str(args.channel);
    const user = str(args.user);
    const problem = channelProblem(ctx, channel);
    if (problem) return refuse(problem);
    if (!user) return refuse("user_not_found");
    const v = validateMessage(args);
    if (!v.ok) return refuse(v.error, v.messages ? { response_metadata: { messages: v.messages } } : {});
    const ts = ctx.state.nextTs(ctx.now);
    ctx.state.messages.push({
      seq: ctx.state.nextSeq(),
      channel: channel!,
      ts,
      text: String(args.text ?? ""),
      blocks: v.blocks,
      ephemeralTo: user,
      edits: 0,
    });
    return { ok: true, message_ts: ts };
  },

  "views.open": (ctx, args) => {
    const trigger = str(args.trigger_id);
    const issued = trigger ? ctx.state.triggers.get(trigger) : undefined;
    if (issued === undefined) return refuse("invalid_trigger_id");
    if (ctx.now - issued > TRIGGER_TTL_MS) return refuse("expired_trigger_id");
    const view =
      typeof args.view === "string" ? safeObject(args.view) : (args.view as Record<string, unknown>);
    const problems = view ? modalProblems(view) : ["view is not JSON"];
    if (problems.length > 0)
      return refuse("invalid_arguments", { response_metadata: { messages: problems } });
    const id = `V${String(ctx.state.views.length + 1).padStart(8, "0")}`;
    ctx.state.views.push({ id, view: view! });
    return { ok: true, view: { id, ...view } };
  },

  "conversations.open": (_ctx, args) => {
    const users = str(args.users);
    if (!users || !/^[UW][A-Z0-9]+$/.test(users)) return refuse("user_not_found");
    return { ok: true, channel: { id: `D${users.slice(1)}` } };
  },

  "usergroups.list": (ctx, args) => {
    const withUsers = args.include_users === true || args.include_users === "true";
    return {
      ok: true,
      usergroups: ctx.state.usergroups.map((g) => ({
        id: g.id,
        team_id: ctx.teamId,
        handle: g.handle,
        name: g.handle,
        date_delete: 0,
        ...(withUsers ? { users: [...g.users], user_count: g.users.length } : { user_count: g.users.length }),
      })),
    };
  },

  "usergroups.users.list": (ctx, args) => {
    const group = ctx.state.usergroups.find((g) => g.id === args.usergroup);
    return group ? { ok: true, users: [...group.users] } : refuse("no_such_subteam");
  },

  "files.getUploadURLExternal": (ctx, args) => {
    const filename = str(args.filename);
    const length = Number(args.length);
    if (!filename) return refuse("invalid_arguments");
    if (!Number.isInteger(length) || length <= 0) return refuse("invalid_arguments");
    const id = `F${String(ctx.state.files.size + 1).padStart(8, "0")}`;
    ctx.state.files.set(id, { id, filename, length, completed: false });
    return { ok: true, upload_url: `${ctx.baseUrl}/upload/${id}`, file_id: id };
  },

  "files.completeUploadExternal": (ctx, args) => {
    const files = typeof args.files === "string" ? safeArray(args.files) : undefined;
    if (!files || files.length === 0) return refuse("invalid_arguments");
    const channel = str(args.channel_id);
    if (channel) {
      const problem = channelProblem(ctx, channel);
      if (problem) return refuse(problem);
    }
    const done: Result[] = [];
    for (const f of files as { id?: string; title?: string }[]) {
      const stored = f.id ? ctx.state.files.get(f.id) : undefined;
      if (!stored?.content) return refuse("file_not_found");
      stored.completed = true;
      if (f.title) stored.title = f.title;
      if (channel) stored.channel = channel;
      const threadTs = str(args.thread_ts);
      if (threadTs) stored.threadTs = threadTs;
      done.push({
        id: stored.id,
        name: stored.filename,
        title: stored.title ?? stored.filename,
        size: stored.length,
      });
    }
    return { ok: true, files: done };
  },
};

function safeArray(s: string): unknown[] | undefined {
  try {
    const v = JSON.parse(s);
    return Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Slack's trigger_id lifetime. */
const TRIGGER_TTL_MS = 3000;

function safeObject(s: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(s);
    return v && typeof v === "object" && !Array.isArray(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Slack's modal limits: title/submit/close ≤ 24, ≤ 100 blocks, private_metadata ≤ 3000, input labels ≤ 2000. */
function modalProblems(view: Record<string, unknown>): string[] {
  const out: string[] = [];
  const text = (v: unknown) => (v as { type?: string; text?: string } | undefined)?.text ?? "";
  if (view.type !== "modal") out.push("[ERROR] view.type must be modal");
  for (const key of ["title", "submit", "close"]) {
    const t = text(view[key]);
    if (key === "title" && t === "") out.push("[ERROR] title is required");
    if (t.length > 24) out.push(`[ERROR] ${key} must be at most 24 characters`);
  }
  if (typeof view.private_metadata === "string" && view.private_metadata.length > 3000) {
    out.push("[ERROR] private_metadata must be at most 3000 characters");
  }
  const blocks = (view.blocks ?? []) as {
    type?: string;
    block_id?: string;
    label?: unknown;
    element?: Record<string, unknown>;
  }[];
  if (blocks.length === 0 || blocks.length > 100) out.push("[ERROR] a modal has 1 to 100 blocks");
  for (const b of blocks) {
    if (b.type !== "input") continue;
    if (!b.block_id || b.block_id.length > 255) out.push("[ERROR] block_id must be 1 to 255 characters");
    if (text(b.label) === "" || text(b.label).length > 2000)
      out.push("[ERROR] input label must be 1 to 2000 characters");
    const el = b.element ?? {};
    if (el.type !== "plain_text_input") out.push(`[ERROR] unsupported input element ${String(el.type)}`);
    if (text(el.placeholder).length > 150) out.push("[ERROR] placeholder must be at most 150 characters");
    if (typeof el.max_length === "number" && el.max_length > 3000)
      out.push("[ERROR] max_length must be at most 3000");
  }
  return out;
}
