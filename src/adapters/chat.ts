/**
 * The contract every chat adapter (console, Slack, Discord) implements. Only plain data crosses it:
 * actors, opaque refs and the Reply model. Block Kit, embeds and library objects stay inside the adapter.
 */
import type { Reply } from "../commands/reply.js";
import type { ActionEvent, ConversationRef, Invocation, MessageRef, Platform } from "../commands/types.js";
import type { JobInfo, Notifier } from "../services/ports.js";

export interface Inbound {
  onCommand(invocation: Invocation): Promise<Reply>;
  /** undefined: nothing to say back (e.g. the card was already edited into its outcome). */
  onAction(event: ActionEvent): Promise<Reply | undefined>;
  /** Resolves when a job has finished and its final message was delivered; for scripted sessions. */
  waitForJob(jobId: string): Promise<JobInfo | undefined>;
}

export interface ChatAdapter extends Notifier {
  readonly platform: Platform;
  start(inbound: Inbound): Promise<void>;
  stop(): Promise<void>;
  post(conversation: ConversationRef, reply: Reply): Promise<MessageRef>;
  update(message: MessageRef, reply: Reply): Promise<void>;
  /**
   * Whether the platform can be used right now (credentials accepted, event connection up), for `/readyz`
   * and for start-up. Never throws. Adapters with nothing that can fail (console) leave it out.
   */
  readiness?(): Promise<AdapterReadiness>;
}

export interface AdapterReadiness {
  ok: boolean;
  /** One line, safe to show: no token or secret. */
  detail: string;
}
