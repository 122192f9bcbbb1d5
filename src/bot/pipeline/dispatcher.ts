/**
 * The command pipeline: parse → authorize → approve → run → report. Each step writes one audit record; a
 * refused command writes exactly one, short (see services/audit/refusal.ts). Refusals are returned
 * replies; only the unexpected throws, and that is caught here, logged with its stack and answered with
 * "internal error, ref <requestId>".
 *
 * Audit writes before the command runs fail closed (Redis away: "temporarily unavailable", nothing run);
 * the records written after it ran go through the retry buffer, so the user always learns what happened.
 * Every reply and every card passes the same value redaction as the logs.
 */
import type { ActionEvent, Inbound, Invocation } from "../../adapters/chat.js";
import { parseArgs } from "../../commands/args/parse.js";
import { tokenize } from "../../commands/args/tokenize.js";
import { spokenName, usageLine } from "../../commands/args/usage.js";
import type { CommandContext, CommandDefinition } from "../../commands/definition.js";
import { parseApprovalAction } from "../../services/approvals/index.js";
import type { AuditRecord } from "../../services/audit/record.js";
import { shortArgs, shortText } from "../../services/audit/refusal.js";
import { UserError } from "../../services/errors.js";
import type { Log } from "../../services/ports.js";
import { scrubDeep } from "../../services/redaction.js";
import type { Actor, ConversationRef } from "../../services/vocabulary/identity.js";
import { errorReply, infoReply, type Reply } from "../../services/vocabulary/reply.js";
import { handleApprovalAction } from "./approval-action.js";
import { openAndPostApproval } from "./approval-open.js";
import { outcomeOf } from "./outcome.js";
import { scrubbingNotifiers } from "./scrubbing-notifiers.js";
import type { DispatcherDeps } from "./types.js";

/** A job card's Cancel button (see services/jobs/render.ts). */
const JOB_CANCEL_ACTION = /^job:([A-Za-z0-9_-]{1,64}):cancel$/;

export class Dispatcher implements Inbound {
  private readonly deps: DispatcherDeps;

  constructor(deps: DispatcherDeps) {
    // Approval cards and their edits are replies too: they get the same redaction.
    this.deps = { ...deps, notifiers: scrubbingNotifiers(deps.notifiers, deps.scrub) };
  }

  async onCommand(inv: Invocation): Promise<Reply> {
    // The person behind the identity (config `people:`) travels with the actor into approvals and jobs.
    const known = { ...inv, actor: this.deps.services.rbac.identify(inv.actor) };
    const handle = () => this.handleCommand(known);
    const reply = await (this.deps.scope ? this.deps.scope.run(inv.requestId, handle) : handle());
    return scrubDeep(reply, this.deps.scrub);
  }

  async onAction(event: ActionEvent): Promise<Reply | undefined> {
    const known = { ...event, actor: this.deps.services.rbac.identify(event.actor) };
    const handle = () => this.handleAction(known);
    const reply = await (this.deps.scope ? this.deps.scope.run(event.requestId, handle) : handle());
    return reply && scrubDeep(reply, this.deps.scrub);
  }

  private async handleCommand(inv: Invocation): Promise<Reply> {
    const started = performance.now();
    const log = this.deps.log.child({
      requestId: inv.requestId,
      user: inv.actor.id,
      platform: inv.actor.platform,
    });
    let command = "unknown";
    try {
      const reply = await this.pipeline(inv, log, (name) => {
        command = name;
      });
      this.deps.metrics.commandFinished(command, outcomeOf(reply), (performance.now() - started) / 1000);
      return reply;
    } catch (err) {
      const reply = this.failure(err, inv.requestId, log);
      this.deps.metrics.commandFinished(command, outcomeOf(reply), (performance.now() - started) / 1000);
      return reply;
    }
  }

  private async handleAction(event: ActionEvent): Promise<Reply | undefined> {
    const log = this.deps.log.child({
      requestId: event.requestId,
      user: event.actor.id,
      action: event.actionId,
    });
    try {
      if (parseApprovalAction(event.actionId)) {
        return await handleApprovalAction(this.deps, event, log, (def, args, requester, conversation) =>
          this.runCommand(def, args, requester, conversation, event.requestId, log),
        );
      }
      const cancel = JOB_CANCEL_ACTION.exec(event.actionId);
      if (cancel) return await this.commandFromButton(event, "job.cancel", { id: cancel[1] }, log);
      log.info({ actionId: event.actionId.slice(0, 80) }, "unknown action");
      return errorReply("E_UNKNOWN_ACTION", "this action is no longer valid");
    } catch (err) {
      return this.failure(err, event.requestId, log);
    }
  }

  /**
   * A button that stands for a command (a job's Cancel): the clicker is authorized like a typed command,
   * so a button never grants more than typing would.
   */
  private async commandFromButton(
    event: ActionEvent,
    name: string,
    rawArgs: Record<string, unknown>,
    log: Log,
  ): Promise<Reply> {
    const { registry, services } = this.deps;
    const def = registry.get(name);
    const parsed = def?.args.safeParse(rawArgs);
    if (!def || !parsed?.success) return errorReply("E_UNKNOWN_ACTION", "this action is no longer valid");
    const access = services.rbac.check(event.actor, def.name, def.permission, event.conversation);
    if (!access.ok) {
      await services.audit.append({
        at: this.deps.clock.now(),
        kind: "action",
        step: "authorize",
        requestId: event.requestId,
        actor: { platform: event.actor.platform, id: event.actor.id, name: event.actor.name },
        channel: event.conversation.channelId,
        command: def.name,
        outcome: "forbidden",
        detail: shortText(access.message),
      });
      return errorReply(access.code, access.message);
    }
    return this.runCommand(
      def,
      parsed.data as Record<string, unknown>,
      event.actor,
      event.conversation,
      event.requestId,
      log,
    );
  }

  private async pipeline(inv: Invocation, log: Log, named: (name: string) => void): Promise<Reply> {
    const { registry, services, clock } = this.deps;
    const audit = (record: Omit<AuditRecord, "at" | "requestId" | "actor" | "channel">) =>
      services.audit.append({
        at: clock.now(),
        requestId: inv.requestId,
        actor: { platform: inv.actor.platform, id: inv.actor.id, name: inv.actor.name },
        channel: inv.conversation.channelId,
        ...record,
      });

    // parse
    const tokens = tokenize(inv.text);
    if (!tokens.ok) {
      await audit({ kind: "invocation", step: "parse", outcome: "usage", detail: shortText(tokens.message) });
      return errorReply("E_ARGS", tokens.message);
    }
    const resolved = registry.resolve(tokens.tokens);
    if (!resolved.ok) {
      await audit({
        kind: "invocation",
        step: "parse",
        outcome: "unknown-command",
        detail: shortText(resolved.message),
      });
      return errorReply("E_UNKNOWN_COMMAND", resolved.message);
    }
    const def = resolved.command;
    named(def.name);
    const parsed = parseArgs(def, resolved.rest);
    if (!parsed.ok) {
      await audit({
        kind: "invocation",
        step: "parse",
        command: def.name,
        outcome: "usage",
        detail: shortText(parsed.message),
      });
      return errorReply("E_ARGS", `${parsed.message}\nusage: ${usageLine(def)}`);
    }

    // authorize; the parse record waits for the verdict, so a refusal stays a single short record
    const access = services.rbac.check(inv.actor, def.name, def.permission, inv.conversation);
    if (!access.ok) {
      log.info({ command: def.name, code: access.code }, "refused");
      await audit({
        kind: "invocation",
        step: "authorize",
        command: def.name,
        args: shortArgs(parsed.args),
        outcome: "forbidden",
        detail: shortText(access.message),
      });
      return errorReply(access.code, access.message);
    }
    await audit({ kind: "invocation", step: "parse", command: def.name, args: parsed.args, outcome: "ok" });
    await audit({ kind: "invocation", step: "authorize", command: def.name, outcome: "ok" });

    // approve: destructive commands stop here until a second person decides
    if (def.destructive) {
      return this.requestApproval(def, parsed.args, inv);
    }

    // run + report
    return this.runCommand(def, parsed.args, inv.actor, inv.conversation, inv.requestId, log);
  }

  private async requestApproval(
    def: CommandDefinition,
    args: Record<string, unknown>,
    inv: Invocation,
  ): Promise<Reply> {
    const { services } = this.deps;
    const request = await openAndPostApproval(
      { ...this.deps, approvals: services.approvals, audit: services.audit },
      def,
      args,
      inv.actor,
      inv.conversation,
      inv.requestId,
    );
    const needed = request.policy.required === 1 ? "an approver" : `${request.policy.required} approvers`;
    return infoReply(
      `\`${spokenName(def)}\` needs approval: waiting for ${needed} (not you) to press Approve. Request ${request.id}.`,
      { title: "Approval requested" },
    );
  }

  /** The run and report steps; also where an approved request resumes. */
  async runCommand(
    def: CommandDefinition,
    args: Record<string, unknown>,
    actor: Actor,
    conversation: ConversationRef,
    requestId: string,
    log: Log,
  ): Promise<Reply> {
    const { services, clock } = this.deps;
    const ctx: CommandContext = {
      actor,
      role: services.rbac.roleOf(actor),
      conversation,
      requestId,
      clock,
      log,
      services,
    };
    const started = clock.now();
    let reply: Reply;
    let outcome: string;
    try {
      reply = await def.run(ctx, args);
      outcome = reply.errorCode ? "refused" : "ok";
    } catch (err) {
      reply = this.failure(err, requestId, log);
      outcome = "error";
    }
    const base = {
      at: clock.now(),
      requestId,
      actor: { platform: actor.platform, id: actor.id, name: actor.name },
      channel: conversation.channelId,
      command: def.name,
    };
    // The command has run: from here on, its reply must reach the user whatever the audit store does.
    await this.deps.auditRetry.write({
      ...base,
      kind: "invocation",
      step: "run",
      args,
      outcome,
      durationMs: clock.now() - started,
      detail: reply.errorCode,
      jobId: reply.jobId,
    });
    await this.deps.auditRetry.write({
      ...base,
      at: clock.now(),
      kind: "invocation",
      step: "report",
      outcome: reply.tone ?? "info",
    });
    return reply;
  }

  private failure(err: unknown, requestId: string, log: Log): Reply {
    const unavailable = this.deps.unavailable(err);
    if (unavailable) {
      log.warn({ err: unavailable.message }, "backing store unavailable");
      return errorReply("E_UNAVAILABLE", unavailable.message);
    }
    if (err instanceof UserError) return errorReply(err.code, err.message);
    log.error({ err }, "unexpected error");
    return errorReply("E_INTERNAL", `internal error, ref ${requestId}`);
  }
}
