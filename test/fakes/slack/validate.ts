/**
 * The message limits the fake Slack enforces, answered with Slack's own error codes: `invalid_blocks`
 * (with `[ERROR] … [json-pointer:…]` messages in response_metadata, as Slack sends them),
 * `invalid_blocks_format`, `no_text` and `msg_too_long`.
 */
export type Verdict =
  | { ok: true; blocks: unknown[] | undefined }
  | { ok: false; error: string; messages?: string[] };

const MAX_TEXT = 40_000;

export function validateMessage(args: Record<string, unknown>): Verdict {
  let blocks: unknown[] | undefined;
  if (args.blocks !== undefined) {
    const raw = typeof args.blocks === "string" ? safeJson(args.blocks) : args.blocks;
    if (!Array.isArray(raw)) return { ok: false, error: "invalid_blocks_format" };
    blocks = raw;
  }
  const text = typeof args.text === "string" ? args.text : "";
  if (!text && (!blocks || blocks.length === 0)) return { ok: false, error: "no_text" };
  if (text.length > MAX_TEXT) return { ok: false, error: "msg_too_long" };
  if (blocks) {
    const messages = blockErrors(blocks);
    if (messages.length > 0) return { ok: false, error: "invalid_blocks", messages };
  }
  return { ok: true, blocks };
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

export function blockErrors(blocks: unknown[]): string[] {
  const errs: string[] = [];
  const err = (msg: string, pointer: string) => errs.push(`[ERROR] ${msg} [json-pointer:${pointer}]`);
  const textMax = (t: unknown, max: number, pointer: string, kind?: "plain_text" | "mrkdwn") => {
    if (!isObj(t) || typeof t.text !== "string" || (t.type !== "plain_text" && t.type !== "mrkdwn")) {
      err("must provide an object with type and text", pointer);
      return;
    }
    if (kind && t.type !== kind) err(`must be a ${kind} text object`, `${pointer}/type`);
    if (t.text.length === 0) err("must be more than 0 characters", `${pointer}/text`);
    if (t.text.length > max) err(`must be less than ${max + 1} characters`, `${pointer}/text`);
  };
  if (blocks.length > 50) err("no more than 50 items allowed", "/blocks");
  const actionIds = new Set<string>();
  for (const [i, b] of blocks.entries()) {
    const p = `/blocks/${i}`;
    if (!isObj(b)) {
      err("must be an object", p);
      continue;
    }
    if (b.type === "header") textMax(b.text, 150, `${p}/text`, "plain_text");
    else if (b.type === "section") {
      if (b.text === undefined && b.fields === undefined) err("must provide either text or fields", p);
      if (b.text !== undefined) textMax(b.text, 3000, `${p}/text`);
      if (b.fields !== undefined && !Array.isArray(b.fields)) err("must be an array", `${p}/fields`);
      else if (Array.isArray(b.fields)) {
        if (b.fields.length > 10) err("no more than 10 items allowed", `${p}/fields`);
        for (const [j, f] of b.fields.entries()) textMax(f, 2000, `${p}/fields/${j}`);
      }
    } else if (b.type === "context" || b.type === "actions") {
      const max = b.type === "context" ? 10 : 25;
      if (!Array.isArray(b.elements) || b.elements.length === 0) {
        err("must provide elements", `${p}/elements`);
        continue;
      }
      if (b.elements.length > max) err(`no more than ${max} items allowed`, `${p}/elements`);
      for (const [j, e] of b.elements.entries()) {
        if (b.type === "context") textMax(e, 3000, `${p}/elements/${j}`);
        else buttonErrors(e, `${p}/elements/${j}`, actionIds, err, textMax);
      }
    } else if (b.type !== "divider") err(`unsupported type: ${String(b.type)}`, `${p}/type`);
  }
  return errs;
}

function buttonErrors(
  e: unknown,
  p: string,
  actionIds: Set<string>,
  err: (msg: string, pointer: string) => void,
  textMax: (t: unknown, max: number, pointer: string, kind?: "plain_text" | "mrkdwn") => void,
): void {
  if (!isObj(e) || e.type !== "button") {
    err("only buttons are supported by this fake", p);
    return;
  }
  textMax(e.text, 75, `${p}/text`, "plain_text");
  if (typeof e.action_id !== "string" || e.action_id.length === 0)
    err("must provide an action_id", `${p}/action_id`);
  else {
    if (e.action_id.length > 255) err("must be less than 256 characters", `${p}/action_id`);
    if (actionIds.has(e.action_id)) err(`duplicate action_id: ${e.action_id}`, `${p}/action_id`);
    actionIds.add(e.action_id);
  }
  if (e.value !== undefined && (typeof e.value !== "string" || e.value.length > 2000)) {
    err("must be less than 2001 characters", `${p}/value`);
  }
  if (
    e.url !== undefined &&
    (typeof e.url !== "string" || e.url.length > 3000 || !/^https?:\/\//.test(e.url))
  )
    err("must be an http(s) URL of less than 3001 characters", `${p}/url`);
  if (e.style !== undefined && e.style !== "primary" && e.style !== "danger")
    err("must be primary or danger", `${p}/style`);
  if (e.confirm !== undefined) {
    const c = e.confirm;
    if (!isObj(c)) {
      err("must be an object", `${p}/confirm`);
      return;
    }
    textMax(c.title, 100, `${p}/confirm/title`, "plain_text");
    textMax(c.text, 300, `${p}/confirm/text`);
    textMax(c.confirm, 30, `${p}/confirm/confirm`, "plain_text");
    textMax(c.deny, 30, `${p}/confirm/deny`, "plain_text");
  }
}
