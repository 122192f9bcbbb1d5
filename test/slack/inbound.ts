/**
 * An Inbound that answers the way the dispatcher does, for adapter tests: `help` is ephemeral, `vm list` a
 * channel table, `job <n>` posts a job card and edits it, approval buttons edit the card into an outcome.
 * It records what reached it so tests can assert on actors and refs.
 */
import type { ActionEvent, ChatAdapter, Inbound, Invocation } from "../../src/adapters/chat.js";
import { errorReply, infoReply, type Reply } from "../../src/services/vocabulary/reply.js";

export interface RecordingInbound extends Inbound {
  commands: Invocation[];
  actions: ActionEvent[];
}

export function approvalCard(id: string): Reply {
  return {
    title: "Approval needed: template delete 9001",
    text: "alice asks to delete template 9001 on pve1.",
    tone: "warning",
    fields: [
      { label: "Command", value: "template delete 9001" },
      { label: "Expires", value: "in 15 minutes" },
    ],
    buttons: [
      { id: `approval:${id}:approve`, label: "Approve", style: "primary" },
      { id: `approval:${id}:deny`, label: "Deny", style: "danger" },
    ],
    visibility: "channel",
  };
}

export function dispatcherLikeInbound(adapter: () => ChatAdapter): RecordingInbound {
  const commands: Invocation[] = [];
  const actions: ActionEvent[] = [];
  return {
    commands,
    actions,
    async onCommand(inv) {
      commands.push(inv);
      const [verb, ...rest] = inv.text.split(/\s+/);
      switch (verb) {
        case "help":
        case "":
          return infoReply("Commands you may run: help, whoami, vm list", { title: "Help" });
        case "vm":
          return {
            title: "Virtual machines",
            table: {
              columns: ["vmid", "name", "status"],
              rows: [
                ["100", "web-1", "running"],
                ["101", "db-1", "stopped"],
              ],
            },
            visibility: "channel",
          };
        case "approve-me":
          return approvalCard(rest[0] ?? "a1");
        case "job": {
          const steps = Number(rest[0] ?? 3);
          const card = await adapter().post(inv.conversation, {
            title: "Building template",
            progress: { fraction: 0, step: "queued" },
            visibility: "channel",
          });
          for (let i = 1; i <= steps; i++) {
            await adapter().update(card, {
              title: "Building template",
              progress: { fraction: i / steps, step: `step ${i}/${steps}` },
              visibility: "channel",
            });
          }
          return infoReply(`Started job j-${steps}`, { jobId: `j-${steps}` });
        }
        default:
          return errorReply("E_UNKNOWN_COMMAND", `unknown command \`${verb}\`; try \`help\``);
      }
    },
    async onAction(ev) {
      actions.push(ev);
      const m = /^approval:([^:]+):(approve|deny)$/.exec(ev.actionId);
      if (!m) return errorReply("E_UNKNOWN_ACTION", "this action is no longer valid");
      const verdict = m[2] === "approve" ? "Approved" : "Denied";
      await adapter().update(ev.message, {
        text: `${verdict} by ${ev.actor.name}`,
        tone: "success",
        visibility: "channel",
      });
      return m[2] === "deny" ? infoReply("You denied the request.") : undefined;
    },
  };
}
