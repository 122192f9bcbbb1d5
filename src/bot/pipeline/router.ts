/**
 * Buttons are routed by a table: each entry recognizes its own action ids and handles them. Adding a kind
 * of button (alerts' Acknowledge and Silence) is one more entry, not another branch here. An id no entry
 * recognizes is refused: a button the bot cannot place is not one it made, or it is from a version gone.
 */
import type { Reply } from "../../services/vocabulary/reply.js";
import { alertRoute } from "./alert-action.js";
import { approvalRoute } from "./approval-action.js";
import { execute, recordAuthorize } from "./execute.js";
import { refuseClick } from "./refused-click.js";
import { resolveNamed } from "./stages.js";
import type { ActionRoute, Caller, Click } from "./types.js";

/**
 * A button that stands for a command: the clicker goes through the same stages as typing the command
 * (authorize, then the approval gate for a destructive one), so a button never grants more than typing.
 * `parse` turns an action id into the command's raw arguments; the command's schema checks them again.
 */
export function commandButton(
  name: string,
  command: string,
  parse: (actionId: string) => Record<string, unknown> | undefined,
): ActionRoute<Record<string, unknown>> {
  return {
    name,
    parse,
    async handle({ event, log, deps }, rawArgs) {
      const caller: Caller = {
        actor: event.actor,
        conversation: event.conversation,
        requestId: event.requestId,
        kind: "action",
        log,
      };
      const resolved = resolveNamed(deps.registry, command, rawArgs);
      if (!resolved.ok) return refuseClick(deps, event, "unknown", log);
      return execute(deps, caller, resolved.call, recordAuthorize(deps, caller));
    },
  };
}

/** A job card's Cancel button, `job:<id>:cancel` (see services/jobs/render.ts `cancelActionId`). */
const JOB_CANCEL_ACTION = /^job:([A-Za-z0-9_-]{1,64}):cancel$/;

export const jobCancelRoute = commandButton("job-cancel", "job.cancel", (actionId) => {
  const match = JOB_CANCEL_ACTION.exec(actionId);
  return match ? { id: match[1] } : undefined;
});

/** Every button the bot puts on a message. */
export const ACTION_ROUTES: readonly ActionRoute[] = [approvalRoute, jobCancelRoute, alertRoute];

/** The first route that recognizes the click's action id handles it; none → refused, fail closed. */
export async function routeAction(routes: readonly ActionRoute[], click: Click): Promise<Reply | undefined> {
  for (const route of routes) {
    const parsed = route.parse(click.event.actionId);
    if (parsed !== undefined) return route.handle(click, parsed);
  }
  return refuseClick(click.deps, click.event, "unknown", click.log);
}
