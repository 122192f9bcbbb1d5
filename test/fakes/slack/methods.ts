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
