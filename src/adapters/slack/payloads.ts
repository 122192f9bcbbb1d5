/**
 * Shapes of the Slack requests the adapter acts on, checked before anything runs. A body that passes the
 * signature but is not one of these is answered 400: a signed but malformed request is a bug or an attack,
 * and neither should reach the dispatcher.
 */
import { parse as parseQuery } from "node:querystring";
import { z } from "zod";

const id = z.string().min(1).max(64);

export const slashCommandSchema = z.looseObject({
  command: z.string().regex(/^\/\S{1,31}$/),
  text: z.string().max(4000),
  user_id: id,
  user_name: z.string().max(200).optional(),
  channel_id: id,
  team_id: id,
  response_url: z.string().regex(/^https?:\/\//),
  trigger_id: z.string().optional(),
});

const buttonActionSchema = z.looseObject({
  type: z.string(),
  action_id: z.string().min(1).max(255),
  block_id: z.string().optional(),
  value: z.string().max(2000).optional(),
});

export const blockActionsSchema = z.looseObject({
  type: z.literal("block_actions"),
  user: z.looseObject({ id, username: z.string().optional(), name: z.string().optional() }),
  team: z.looseObject({ id }).nullable().optional(),
  channel: z.looseObject({ id }).optional(),
  container: z
    .looseObject({
      type: z.string(),
      message_ts: z.string().optional(),
      channel_id: z.string().optional(),
      is_ephemeral: z.boolean().optional(),
    })
    .optional(),
  message: z.looseObject({ ts: z.string() }).optional(),
  response_url: z
    .string()
    .regex(/^https?:\/\//)
    .optional(),
  trigger_id: z.string().max(200).optional(),
  actions: z.array(buttonActionSchema).min(1),
});

/** A modal's submission; only the bot's own form (callback `pve-prompt`) is acted on. */
export const viewSubmissionSchema = z.looseObject({
  type: z.literal("view_submission"),
  user: z.looseObject({ id, username: z.string().optional(), name: z.string().optional() }),
  view: z.looseObject({
    callback_id: z.string().max(255),
    private_metadata: z.string().max(3000).optional(),
    state: z
      .looseObject({ values: z.record(z.string(), z.record(z.string(), z.looseObject({}))) })
      .optional(),
  }),
});

const urlVerificationSchema = z.looseObject({ type: z.literal("url_verification"), challenge: z.string() });
const eventCallbackSchema = z.looseObject({ type: z.literal("event_callback"), event: z.looseObject({}) });
/** Other interactivity (shortcuts, closed modals) is acked and ignored: this app declares none. */
const otherInteractionSchema = z.looseObject({
  type: z.enum(["shortcut", "message_action", "view_closed", "block_suggestion"]),
});

export type SlashCommandPayload = z.infer<typeof slashCommandSchema>;
export type BlockActionsPayload = z.infer<typeof blockActionsSchema>;
export type ViewSubmissionPayload = z.infer<typeof viewSubmissionSchema>;

export type ParsedBody =
  | { kind: "ssl_check" }
  | { kind: "url_verification"; challenge: string }
  | { kind: "command"; body: SlashCommandPayload }
  | { kind: "action"; body: BlockActionsPayload }
  | { kind: "view"; body: ViewSubmissionPayload }
  | { kind: "other"; body: Record<string, unknown> }
  | { kind: "invalid"; reason: string };

const FORM = "application/x-www-form-urlencoded";

/** True for the unsigned `ssl_check=1` probe Slack sends when a command URL is saved. */
export function isSslCheck(contentType: string | undefined, raw: string): boolean {
  return mediaType(contentType) === FORM && parseQuery(raw).ssl_check === "1";
}

function mediaType(contentType: string | undefined): string | undefined {
  return contentType?.split(";")[0]?.trim().toLowerCase();
}

/** Decodes and classifies a verified body; never throws. */
export function classifyBody(contentType: string | undefined, raw: string): ParsedBody {
  let data: unknown;
  const type = mediaType(contentType);
  if (type === FORM) {
    const form = parseQuery(raw);
    if (form.ssl_check === "1") return { kind: "ssl_check" };
    if (typeof form.payload === "string") {
      try {
        data = JSON.parse(form.payload);
      } catch {
        return { kind: "invalid", reason: "payload is not JSON" };
      }
    } else {
      data = Object.fromEntries(Object.entries(form).filter(([, v]) => typeof v === "string"));
    }
  } else if (type === "application/json") {
    try {
      data = JSON.parse(raw);
    } catch {
      return { kind: "invalid", reason: "body is not JSON" };
    }
  } else {
    return { kind: "invalid", reason: `unsupported content type ${type ?? "(none)"}` };
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    return { kind: "invalid", reason: "body is not an object" };
  }
  return classifyObject(data as Record<string, unknown>);
}

export function classifyObject(data: Record<string, unknown>): ParsedBody {
  if ("command" in data) {
    const r = slashCommandSchema.safeParse(data);
    return r.success ? { kind: "command", body: r.data } : { kind: "invalid", reason: describe(r.error) };
  }
  switch (data.type) {
    case "block_actions": {
      const r = blockActionsSchema.safeParse(data);
      return r.success ? { kind: "action", body: r.data } : { kind: "invalid", reason: describe(r.error) };
    }
    case "view_submission": {
      const r = viewSubmissionSchema.safeParse(data);
      return r.success ? { kind: "view", body: r.data } : { kind: "invalid", reason: describe(r.error) };
    }
    case "url_verification": {
      const r = urlVerificationSchema.safeParse(data);
      return r.success
        ? { kind: "url_verification", challenge: r.data.challenge }
        : { kind: "invalid", reason: describe(r.error) };
    }
    default: {
      const r = eventCallbackSchema.or(otherInteractionSchema).safeParse(data);
      return r.success ? { kind: "other", body: data } : { kind: "invalid", reason: "not a Slack payload" };
    }
  }
}

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
}
