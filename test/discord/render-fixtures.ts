/**
 * Replies rendered against saved Discord JSON in test/discord/expected/<name>.json: every kind of the shared
 * golden replies, plus Discord's own cases (native mentions, a form behind a button, limits). After a
 * deliberate change of the rendering, `npx vitest run test/discord/render.test.ts -u` rewrites them;
 * review the diff.
 */
import { mention } from "../../src/services/vocabulary/mention.js";
import type { Reply } from "../../src/services/vocabulary/reply.js";
import { GOLDEN_KINDS } from "../contract/golden-replies.js";

const ana = { platform: "discord" as const, id: "123456789012345678", name: "ana" };
const ops = { platform: "discord" as const, id: "876543210987654321", name: "ops" };

export const RENDER_FIXTURES: Record<string, Reply> = {
  ...GOLDEN_KINDS,
  "mentions-discord": {
    tone: "info",
    text: `${mention(ana)} asked; ${mention(ops, "group")} may approve. ${mention({ platform: "slack", id: "U0BOB", name: "bob" })} too.`,
    fields: [{ label: "Requested by", value: mention(ana) }],
    table: { columns: ["who", "role"], rows: [[mention(ana), "operator"]] },
    visibility: "channel",
  },
  "deny-with-reason": {
    tone: "warning",
    title: "Approval needed: vm delete 120",
    text: "ana asks to delete VM `120` (*web-01*).",
    code: "vm delete 120 --purge",
    buttons: [
      { id: "approval:q9:approve", label: "Approve", style: "primary" },
      {
        id: "approval:q9:deny",
        label: "Deny",
        prompt: {
          title: "Why deny vm delete 120?",
          submit: "Deny",
          fields: [{ id: "reason", label: "Reason", multiline: true, placeholder: "Seen by the requester" }],
        },
      },
    ],
    visibility: "channel",
  },
  "error-code": {
    tone: "danger",
    text: "Unknown option `--nod`; did you mean `--node`?",
    errorCode: "E_ARGS",
    visibility: "ephemeral",
  },
  "buttons-only": {
    buttons: [{ id: "job:7:cancel", label: "**Cancel**", style: "danger" }],
    visibility: "channel",
  },
};
