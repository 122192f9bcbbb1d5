/**
 * Replies rendered against saved Block Kit in test/slack/expected/<name>.json: one or more per kind of Reply
 * (table page and cut, file overflow, buttons, link buttons, mentions, progress, outcome card, context
 * line). After a deliberate change of the rendering, `npx vitest run test/slack/render.test.ts -u` rewrites
 * them; review the diff.
 */
import { mention } from "../../src/services/vocabulary/mention.js";
import type { Reply } from "../../src/services/vocabulary/reply.js";
import { GOLDEN_KINDS } from "../contract/golden-replies.js";

const rows = (n: number) =>
  Array.from({ length: n }, (_, i) => [
    String(100 + i),
    `vm-${String(i).padStart(3, "0")}`,
    i % 3 ? "running" : "stopped",
    "pve1",
  ]);

const alice = { platform: "slack" as const, id: "U0ALICE", name: "alice" };

export const RENDER_FIXTURES: Record<string, Reply> = {
  ...GOLDEN_KINDS,
  "mentions-slack": {
    tone: "info",
    text: `${mention(alice)} asked; ${mention({ platform: "slack", id: "S0OPS", name: "ops" }, "group")} may approve. ${mention({ platform: "console", id: "bob", name: "Bob <b>" })} too.`,
    fields: [{ label: "Requested by", value: mention(alice) }],
    table: { columns: ["who", "role"], rows: [[mention(alice), "operator"]] },
    visibility: "channel",
  },
  help: {
    title: "Help",
    text: "Commands you may run:\n• `vm list` — list VMs\n• `template build <distro>` — build a template & verify it",
    tone: "info",
    visibility: "ephemeral",
  },
  "vm-list": {
    title: "Virtual machines on pve1",
    table: {
      columns: ["vmid", "name", "status", "node"],
      rows: rows(4),
      footer: "… 12 more; narrow it with --node",
    },
    visibility: "channel",
  },
  "approval-card": {
    title: "Approval needed: template delete 9001",
    text: "alice asks to delete template 9001 on pve1.",
    tone: "warning",
    fields: [
      { label: "Command", value: "template delete 9001" },
      { label: "Requested by", value: "alice" },
      { label: "Expires", value: "in 15 minutes" },
    ],
    buttons: [
      { id: "approval:0b7c:approve", label: "Approve", style: "primary" },
      { id: "approval:0b7c:deny", label: "Deny", style: "danger" },
    ],
    visibility: "channel",
  },
  "job-progress": {
    title: "Building template ubuntu-24.04",
    progress: { fraction: 0.35, step: "download image (2/6)" },
    fields: [
      { label: "Node", value: "pve1" },
      { label: "VMID", value: "9001" },
    ],
    buttons: [
      {
        id: "job:42:cancel",
        label: "Cancel",
        style: "danger",
        confirm: {
          title: "Cancel the build?",
          text: "The half-built VM is removed.",
          confirm: "Cancel build",
          deny: "Keep going",
        },
      },
    ],
    visibility: "channel",
  },
  error: {
    text: "`template delete` needs the approver role; your role is operator.",
    tone: "danger",
    errorCode: "E_FORBIDDEN",
    visibility: "ephemeral",
  },
  "mrkdwn-escaping": {
    text: "VM name <!channel> & <https://evil.example|click me>",
    fields: [{ label: "a<b", value: "c>d & e" }],
    visibility: "channel",
  },
  "long-table": {
    title: "All VMs",
    table: { columns: ["vmid", "name", "status", "node"], rows: rows(700) },
    visibility: "channel",
  },
  "too-many-buttons": {
    text: "Pick a VM",
    buttons: Array.from({ length: 53 }, (_, i) => ({ id: `pick:${i}`, label: `vm-${i}` })),
    visibility: "ephemeral",
  },
  "over-limits": {
    title: `T${"i".repeat(199)}`,
    text: "x".repeat(3500),
    fields: Array.from({ length: 23 }, (_, i) => ({
      label: `field ${i}`,
      value: i === 0 ? "v".repeat(2500) : `value ${i}`,
    })),
    code: Array.from({ length: 40 }, (_, i) => `line ${i}`).join("\n"),
    buttons: [
      ...Array.from({ length: 26 }, (_, i) => ({ id: `b:${i}`, label: `Button ${i}` })),
      { id: `long:${"z".repeat(300)}`, label: "L".repeat(90) },
      { id: "b:0", label: "Same id as the first" },
    ],
    visibility: "channel",
  },
};
