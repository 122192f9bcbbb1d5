/** Notifiers that pass every posted or edited reply through the value redaction first. */
import type { Notifier, NotifierByPlatform } from "../../services/ports.js";
import { scrubDeep } from "../../services/redaction.js";

export function scrubbingNotifiers(
  notifiers: NotifierByPlatform,
  scrub: (text: string) => string,
): NotifierByPlatform {
  const wrapped: NotifierByPlatform = {};
  for (const [platform, notifier] of Object.entries(notifiers) as [keyof NotifierByPlatform, Notifier][]) {
    wrapped[platform] = {
      post: (conversation, reply, options) => notifier.post(conversation, scrubDeep(reply, scrub), options),
      update: (message, reply) => notifier.update(message, scrubDeep(reply, scrub)),
      ...(notifier.reply
        ? { reply: (message, reply) => notifier.reply!(message, scrubDeep(reply, scrub)) }
        : {}),
    };
  }
  return wrapped;
}
