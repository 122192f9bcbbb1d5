/**
 * The chat front-ends' way in. Each command and click is handled inside its request scope, for the person
 * behind the identity (`Rbac.identify`), and its reply passes the same value redaction as the logs.
 *
 * A typed command goes parse → resolve → authorize → gate → run → report (stages.ts), a click goes
 * through the button table (router.ts) to the same stages. Each step writes one audit record; a refused
 * command writes exactly one, short (see services/audit/refusal.ts). Refusals are returned replies; only
 * the unexpected throws, and that is answered here through failure.ts.
 *
 * Audit writes before the command runs fail closed (Redis away: "temporarily unavailable", nothing run);
 * the records written after it ran go through the retry buffer, so the user always learns what happened.
 */
import type {
  ActionEvent,
  AutocompleteChoice,
  AutocompleteRequest,
  Inbound,
  Invocation,
  RefusedClick,
} from "../../adapters/chat.js";
import { scrubDeep } from "../../services/redaction.js";
import type { Reply } from "../../services/vocabulary/reply.js";
import { execute, recordAuthorize, refuse } from "./execute.js";
import { replyForFailure } from "./failure.js";
import { outcomeOf } from "./outcome.js";
import { refuseClick } from "./refused-click.js";
import { ACTION_ROUTES, routeAction } from "./router.js";
import { scrubbingNotifiers } from "./scrubbing-notifiers.js";
import { parse, resolve } from "./stages.js";
import type { ActionRoute, Caller, DispatcherDeps } from "./types.js";

export class Dispatcher implements Inbound {
  private readonly deps: DispatcherDeps;
  private readonly routes: readonly ActionRoute[];

  constructor(deps: DispatcherDeps) {
    // Approval cards and their edits are replies too: they get the same redaction.
    this.deps = { ...deps, notifiers: scrubbingNotifiers(deps.notifiers, deps.scrub) };
    this.routes = deps.actionRoutes ?? ACTION_ROUTES;
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

  async onRefusedClick(click: RefusedClick): Promise<Reply> {
    const known = { ...click, actor: this.deps.services.rbac.identify(click.actor) };
    const log = this.deps.log.child({ requestId: click.requestId, user: click.actor.id });
    const handle = async () => {
      try {
        return await refuseClick(this.deps, known, known.reason, log);
      } catch (err) {
        return replyForFailure(err, { requestId: click.requestId, log, unavailable: this.deps.unavailable });
      }
    };
    const reply = await (this.deps.scope ? this.deps.scope.run(click.requestId, handle) : handle());
    return scrubDeep(reply, this.deps.scrub);
  }

  /** Suggestions while typing; nothing is audited (nothing runs), and a failure suggests nothing. */
  async onAutocomplete(request: AutocompleteRequest): Promise<AutocompleteChoice[]> {
    const complete = this.deps.autocomplete;
    if (!complete) return [];
    const handle = () =>
      complete.complete(request).catch((err: unknown) => {
        this.deps.log.warn({ requestId: request.requestId, err: String(err) }, "autocomplete failed");
        return [];
      });
    return this.deps.scope ? this.deps.scope.run(request.requestId, handle) : handle();
  }

  private async handleCommand(inv: Invocation): Promise<Reply> {
    const started = performance.now();
    const log = this.deps.log.child({
      requestId: inv.requestId,
      user: inv.actor.id,
      platform: inv.actor.platform,
    });
    const caller: Caller = { ...inv, kind: "invocation", log };
    // Counted under the command's name once it is known, whatever happens after; "unknown" before.
    let command = "unknown";
    let reply: Reply;
    try {
      reply = await this.typed(caller, inv.text, (name) => {
        command = name;
      });
    } catch (err) {
      reply = replyForFailure(err, { requestId: inv.requestId, log, unavailable: this.deps.unavailable });
    }
    this.deps.metrics.commandFinished(command, outcomeOf(reply), (performance.now() - started) / 1000);
    return reply;
  }

  private async typed(caller: Caller, text: string, named: (command: string) => void): Promise<Reply> {
    const parsed = parse(text);
    if (!parsed.ok) return refuse(this.deps, caller, parsed);
    const resolved = resolve(this.deps.registry, parsed.tokens);
    if (!resolved.ok) {
      if (resolved.record.command) named(resolved.record.command);
      return refuse(this.deps, caller, resolved);
    }
    named(resolved.call.def.name);
    return execute(this.deps, caller, resolved.call, recordAuthorize(this.deps, caller));
  }

  private async handleAction(event: ActionEvent): Promise<Reply | undefined> {
    const log = this.deps.log.child({
      requestId: event.requestId,
      user: event.actor.id,
      action: event.actionId,
    });
    try {
      return await routeAction(this.routes, { event, log, deps: this.deps });
    } catch (err) {
      return replyForFailure(err, { requestId: event.requestId, log, unavailable: this.deps.unavailable });
    }
  }
}
