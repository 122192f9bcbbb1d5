/**
 * A click on an alert group's message (`alert:<group>:ack|unack|silence[:1h|4h|24h]|unsilence`). The id
 * names only the group and the verb; the group is read back from the store and the clicker's role checked
 * against the route's policy (services/alerts/actions.ts), so a button never grants more than typing
 * `ack <id>`. The Silence… form's answers come in `event.values`. One audit record per click: a refusal
 * is written straight to the store (nothing happened, so a Redis outage fails the click closed); a change
 * goes through the retry buffer, since it already happened.
 */
import type { AlertActionResult, AlertCaller } from "../../services/alerts/actions.js";
import { parseAlertAction, SILENCE_FORM } from "../../services/alerts/render.js";
import { auditBase } from "../../services/audit/base.js";
import { parseChatDuration } from "../../services/duration.js";
import { errorReply, infoReply, type Reply } from "../../services/vocabulary/reply.js";
import type { ActionRoute, Click } from "./types.js";

type AlertAction = NonNullable<ReturnType<typeof parseAlertAction>>;

export const alertRoute: ActionRoute<AlertAction> = {
  name: "alert",
  parse: parseAlertAction,
  handle: actOnAlert,
};

async function actOnAlert({ event, deps }: Click, action: AlertAction): Promise<Reply | undefined> {
  const { services, clock } = deps;
  const caller: AlertCaller = {
    actor: event.actor,
    role: services.rbac.roleOf(event.actor),
    conversation: event.conversation,
  };
  const args: Record<string, unknown> = { id: action.groupId };
  let result: AlertActionResult;
  if (!services.alerts) {
    result = { kind: "refused", code: "E_CONFIG", message: "alerting is not set up for this bot" };
  } else if (action.verb === "ack") {
    result = await services.alerts.ack(action.groupId, caller);
  } else if (action.verb === "unack") {
    result = await services.alerts.unack(action.groupId, caller);
  } else if (action.verb === "unsilence") {
    result = await services.alerts.unsilence(action.groupId, caller);
  } else {
    const typed = action.duration ?? event.values?.[SILENCE_FORM.duration] ?? "";
    const comment = event.values?.[SILENCE_FORM.comment];
    args.duration = typed.slice(0, 20);
    const ms = parseChatDuration(typed);
    result =
      ms === undefined
        ? {
            kind: "refused",
            code: "E_ARGS",
            message: `"${args.duration}" is not a duration; use 30m, 4h or 2d`,
          }
        : await services.alerts.silence(action.groupId, caller, ms, comment);
  }
  const record = {
    ...auditBase(event),
    at: clock.now(),
    kind: "action",
    step: "alert",
    command: `alert.${action.verb}`,
    args,
    outcome: result.kind === "done" ? "ok" : result.kind,
    detail: result.kind === "refused" ? result.code : undefined,
  } as const;
  if (result.kind === "refused") {
    await services.audit.append(record);
    return errorReply(result.code, result.message);
  }
  await deps.auditRetry.write(record);
  // The message itself and its thread show a change to everyone; the clicker gets a private line.
  return infoReply(result.text);
}
