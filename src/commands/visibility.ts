/**
 * Who sees a command's reply, by one rule (docs/CHAT.md): reads that only the asker needs are private;
 * actions and their results are public. A command that starts a job or waits for approval has its public
 * message already (the job card, the approval card), so its own reply only points the asker at it and is
 * private. Refusals and errors are always private: only the asker can act on them.
 */
import type { Reply } from "../services/vocabulary/reply.js";

/**
 * read: answers a question (ephemeral). action: changes something and reports the result (channel).
 * job: starts a job whose card is posted in the channel; the reply to the asker is ephemeral.
 */
export type CommandAudience = "read" | "action" | "job";

/** Every command's kind; a test checks each registered command is listed here and replies accordingly. */
export const COMMAND_AUDIENCE: Readonly<Record<string, CommandAudience>> = {
  help: "read",
  whoami: "read",
  version: "read",
  nodes: "read",
  vms: "read",
  vm: "read",
  task: "read",
  storage: "read",
  "template.distros": "read",
  "template.list": "read",
  "template.build": "job",
  "template.refresh": "job",
  "template.delete": "action",
  "template.prune": "action",
  approvals: "read",
  audit: "read",
  jobs: "read",
  job: "read",
  "job.cancel": "action",
  "template.export": "read",
  "vm.create": "job",
  "vm.profiles": "read",
  "vm.start": "action",
  "vm.shutdown": "action",
  "vm.reboot": "action",
  "vm.stop": "action",
  "vm.snapshot": "action",
  "vm.snapshots": "read",
  "vm.delete": "action",
  "update.plan": "read",
  "update.apply": "job",
  "update.rollback": "action",
  "update.snapshots": "read",
  "update.cleanup": "action",
  "update.nodes": "read",
  "update.windows": "read",
  alerts: "read",
  alert: "read",
  ack: "action",
  silence: "action",
  unsilence: "action",
  silences: "read",
};

/** The visibility a successful reply of this kind has. */
export function visibilityOf(kind: CommandAudience): NonNullable<Reply["visibility"]> {
  return kind === "action" ? "channel" : "ephemeral";
}

/** A read's answer: only the asker sees it. */
export function readReply(reply: Reply): Reply {
  return { ...reply, visibility: "ephemeral" };
}

/** An action's result goes to the channel; a refusal stays with the asker. */
export function actionReply(reply: Reply): Reply {
  return { ...reply, visibility: reply.errorCode ? "ephemeral" : "channel" };
}

/** The asker's pointer to a job whose card is public. */
export function jobStartReply(reply: Reply): Reply {
  return { ...reply, visibility: "ephemeral" };
}
