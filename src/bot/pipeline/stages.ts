/**
 * The pipeline's stages as named functions: parse → resolve → authorize → target → gate → run → report.
 * `resolve` finds the command a text names; `target` finds the object a command acts on. Each
 * returns its result; a refusal is a returned value, never a throw. The typed path enters at `parse`, a
 * button at `resolveNamed`; from `authorize` on both go through `execute` (execute.ts), so no entry can
 * skip a check.
 */
import { parseArgs } from "../../commands/args/parse.js";
import { tokenize } from "../../commands/args/tokenize.js";
import { spokenName, usageLine } from "../../commands/args/usage.js";
import type { CommandContext, ResolvedTarget } from "../../commands/definition.js";
import type { CommandRegistry } from "../../commands/registry.js";
import { argsHash } from "../../services/approvals/index.js";
import type { ApprovalRequest } from "../../services/approvals/model.js";
import { auditBase } from "../../services/audit/base.js";
import { shortArgs, shortText } from "../../services/audit/refusal.js";
import { UserError } from "../../services/errors.js";
import type { Rbac } from "../../services/rbac.js";
import { plainMentions } from "../../services/vocabulary/mention.js";
import { infoReply, type Reply } from "../../services/vocabulary/reply.js";
import { approvalTarget, openAndPostApproval } from "./approval-open.js";
import { replyForFailure, runOutcome } from "./failure.js";
import type { Caller, CommandCall, DispatcherDeps, Refusal, StageResult } from "./types.js";

/** What a button the bot cannot place is answered with. */
export const UNKNOWN_ACTION = {
  code: "E_UNKNOWN_ACTION",
  message: "this action is no longer valid",
} as const;

/** Typed text → tokens (quotes, escapes, `--flag=value`). */
export function parse(text: string): StageResult<{ tokens: string[] }> {
  const tokens = tokenize(text);
  if (tokens.ok) return tokens;
  return refusal("E_ARGS", tokens.message, { step: "parse", outcome: "usage" });
}

/** Tokens → the command they name and its arguments, checked against the command's schema. */
export function resolve(registry: CommandRegistry, tokens: string[]): StageResult<{ call: CommandCall }> {
  const resolved = registry.resolve(tokens);
  if (!resolved.ok) {
    return refusal("E_UNKNOWN_COMMAND", resolved.message, { step: "parse", outcome: "unknown-command" });
  }
  const def = resolved.command;
  const parsed = parseArgs(def, resolved.rest);
  if (!parsed.ok) {
    return {
      ...refusal("E_ARGS", parsed.message, { step: "parse", outcome: "usage", command: def.name }),
      message: `${parsed.message}\nusage: ${usageLine(def)}`,
    };
  }
  return { ok: true, call: { def, args: parsed.args } };
}

/**
 * A command named by the bot itself (a button's route) with arguments taken from the action id. A name
 * or arguments the registry does not accept mean the button is not one the bot could have made.
 */
export function resolveNamed(
  registry: CommandRegistry,
  name: string,
  rawArgs: Record<string, unknown>,
): StageResult<{ call: CommandCall }> {
  const def = registry.get(name);
  const parsed = def?.args.safeParse(rawArgs);
  if (!def || !parsed?.success) {
    return refusal(UNKNOWN_ACTION.code, UNKNOWN_ACTION.message, {
      step: "parse",
      outcome: "unknown-action",
    });
  }
  return { ok: true, call: { def, args: parsed.data as Record<string, unknown> } };
}

/** RBAC: the caller's role against the command's permission, and the channel allow-list. Fails closed. */
export function authorize(rbac: Rbac, caller: Caller, call: CommandCall): StageResult<object> {
  const access = rbac.check(caller.actor, call.def.name, call.def.permission, caller.conversation);
  if (access.ok) return access;
  return refusal(access.code, access.message, {
    step: "authorize",
    outcome: "forbidden",
    command: call.def.name,
    args: shortArgs(call.args),
  });
}

/** What the command will act on, when it defines `resolve`; `undefined` for commands without a target. */
export type Target = ResolvedTarget | undefined;

/**
 * The command's `resolve`: the object it acts on, looked up now. A target that does not exist (any
 * UserError) refuses the command before an approval is opened or anything runs. For an approved request,
 * the object found now must be the one approved: the same VMID held by a new template is another target.
 */
export async function target(
  deps: DispatcherDeps,
  caller: Caller,
  call: CommandCall,
  approved?: ApprovalRequest,
): Promise<StageResult<{ target: Target }>> {
  if (!call.def.resolve) return { ok: true, target: undefined };
  const record = { step: "resolve", command: call.def.name, args: shortArgs(call.args) } as const;
  let found: ResolvedTarget;
  try {
    found = await call.def.resolve(commandContext(deps, caller), call.args);
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    return refusal(err.code, err.message, { ...record, outcome: "no-target" });
  }
  if (approved && approved.target?.identity !== found.identity) {
    const was = approved.target ? describeTarget(approved.target.fields) : "no recorded target";
    return refusal(
      "E_TARGET_CHANGED",
      `the target changed since it was approved (approved: ${was}; now: ${describeTarget(found.fields)}); nothing was run. Ask again to act on what is there now.`,
      { ...record, outcome: "target-changed" },
    );
  }
  return { ok: true, target: found };
}

function describeTarget(fields: readonly { label: string; value: string }[]): string {
  return fields.map((f) => `${f.label} ${f.value}`).join(", ") || "unnamed";
}

export type Gate = { open: true } | { open: false; reply: Reply };

/**
 * Destructive commands pass only with an approved request for exactly these arguments; without one, the
 * gate opens a request, posts its card and holds the command there.
 */
export async function gate(
  deps: DispatcherDeps,
  caller: Caller,
  call: CommandCall,
  found: Target,
  approved?: ApprovalRequest,
): Promise<Gate> {
  const gated = call.def.destructive || call.def.needsApproval?.(deps.services, call.args) === true;
  if (!gated || clears(approved, call)) return { open: true };
  const { services } = deps;
  const request = await openAndPostApproval(
    { ...deps, approvals: services.approvals, audit: services.audit },
    call.def,
    call.args,
    caller.actor,
    caller.conversation,
    caller.requestId,
    found && approvalTarget(found),
  );
  const needed = request.policy.required === 1 ? "an approver" : `${request.policy.required} approvers`;
  const reply = infoReply(
    `\`${spokenName(call.def)}\` needs approval: waiting for ${needed} (not you) to press Approve. Request ${request.id}.`,
    { title: "Approval requested" },
  );
  return { open: false, reply };
}

function clears(approved: ApprovalRequest | undefined, call: CommandCall): boolean {
  return (
    approved?.status === "approved" &&
    approved.command === call.def.name &&
    approved.argsHash === argsHash(call.def.name, call.args)
  );
}

export interface Ran {
  reply: Reply;
  durationMs: number;
}

/** What a command's `resolve` and `run` see of the caller and the bot. */
function commandContext(deps: DispatcherDeps, caller: Caller): CommandContext {
  return {
    actor: caller.actor,
    role: deps.services.rbac.roleOf(caller.actor),
    conversation: caller.conversation,
    requestId: caller.requestId,
    clock: deps.clock,
    log: caller.log,
    services: deps.services,
  };
}

/** The command's own handler. Whatever it throws becomes a reply here (see failure.ts). */
export async function run(
  deps: DispatcherDeps,
  caller: Caller,
  call: CommandCall,
  found: Target,
): Promise<Ran> {
  const { clock } = deps;
  const ctx = commandContext(deps, caller);
  const started = clock.now();
  let reply: Reply;
  try {
    reply = await call.def.run(ctx, call.args, found);
  } catch (err) {
    reply = replyForFailure(err, {
      requestId: caller.requestId,
      log: caller.log,
      unavailable: deps.unavailable,
    });
  }
  return { reply, durationMs: clock.now() - started };
}

/**
 * The run and report records. The command has run: from here on its reply must reach the user whatever
 * the audit store does, so both go through the retry buffer.
 */
export async function report(
  deps: DispatcherDeps,
  caller: Caller,
  call: CommandCall,
  ran: Ran,
): Promise<Reply> {
  const { clock, auditRetry } = deps;
  const base = { ...auditBase(caller), kind: caller.kind, command: call.def.name };
  const { reply } = ran;
  await auditRetry.write({
    ...base,
    at: clock.now(),
    step: "run",
    args: call.args,
    outcome: runOutcome(reply),
    durationMs: ran.durationMs,
    detail: reply.errorCode,
    jobId: reply.jobId,
  });
  await auditRetry.write({ ...base, at: clock.now(), step: "report", outcome: reply.tone ?? "info" });
  return reply;
}

function refusal(code: string, message: string, record: Omit<Refusal["record"], "detail">): Refusal {
  // Audit keeps names, never mention tokens (services/vocabulary/mention.ts).
  return { ok: false, code, message, record: { ...record, detail: shortText(plainMentions(message)) } };
}
