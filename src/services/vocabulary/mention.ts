/**
 * People and groups named inside reply text. Services write a mention token; each adapter turns it into
 * its platform's own form (Slack `<@U…>` / `<!subteam^S…>`, Discord `<@…>` / `<@&…>`, the console the
 * name), so a person is notified where the platform can and named where it cannot. Audit keeps ids and
 * names separately and never stores tokens.
 */
import { PLATFORM_PATTERN, type Platform } from "./identity.js";

export interface Mention {
  kind: "user" | "group";
  platform: Platform;
  id: string;
  /** Shown where the platform cannot mention (the console), and in plain-text fallbacks. */
  name: string;
}

// ‹@kind:platform:id|name›, with the single guillemets no chat platform gives a meaning to.
const TOKEN = new RegExp(`‹@(user|group):(${PLATFORM_PATTERN}):([^|›\\s]+)\\|([^›]*)›`, "g");

/** A token for `who` to place inside reply text. */
export function mention(
  who: { platform: Platform; id: string; name: string },
  kind: Mention["kind"] = "user",
): string {
  const name = who.name.replace(/[›\n]/g, "");
  return `‹@${kind}:${who.platform}:${who.id}|${name}›`;
}

/** Replaces every mention token in `text` with what `render` makes of it. */
export function renderMentions(text: string, render: (m: Mention) => string): string {
  return text.replace(TOKEN, (_all, kind: string, platform: string, id: string, name: string) =>
    render({ kind: kind as Mention["kind"], platform: platform as Platform, id, name }),
  );
}

/** The text with each mention as its plain name: for logs, audit details and plain-text fallbacks. */
export function plainMentions(text: string): string {
  return renderMentions(text, (m) => `@${m.name || m.id}`);
}
