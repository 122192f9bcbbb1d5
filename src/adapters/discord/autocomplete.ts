/**
 * Suggestions while a user types a `/pve` option: asked of `Inbound.onAutocomplete` and answered within a
 * budget well inside Discord's 3 seconds; what is not ready by then (or fails) answers no choices, which
 * Discord shows as "no options" instead of an error. Choices are cut to Discord's 25 of 1-100 characters.
 */
import { randomUUID } from "node:crypto";
import type { Log } from "../../services/ports.js";
import type { Actor } from "../../services/vocabulary/identity.js";
import type { AutocompleteChoice, Inbound } from "../chat.js";
import type { PveInvocation } from "./commands/invocation.js";
import { loggableError } from "./log-safe.js";

const BUDGET_MS = 2000;
const MAX_CHOICES = 25;
const MAX_LENGTH = 100;

export async function suggestions(
  inbound: Inbound | undefined,
  actor: Actor | undefined,
  channelId: string,
  inv: PveInvocation | undefined,
  log: Log,
): Promise<{ choices: AutocompleteChoice[] }> {
  if (!actor || !inbound?.onAutocomplete || !inv?.focused) return { choices: [] };
  const asked = inbound.onAutocomplete({
    actor,
    conversation: { platform: "discord", channelId },
    command: inv.command,
    option: inv.focused.key,
    value: inv.focused.value,
    requestId: randomUUID(),
  });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<AutocompleteChoice[]>((resolve) => {
    timer = setTimeout(() => resolve([]), BUDGET_MS);
  });
  const choices = await Promise.race([asked, late]).catch((err: unknown) => {
    log.warn({ err: loggableError(err) }, "discord autocomplete failed");
    return [];
  });
  clearTimeout(timer);
  const cut = (s: string) => s.slice(0, MAX_LENGTH);
  return {
    choices: choices
      .filter((c) => c.name !== "" && c.value !== "")
      .slice(0, MAX_CHOICES)
      .map((c) => ({ name: cut(c.name), value: cut(c.value) })),
  };
}
