/**
 * Replies covering every part of the Reply model, each paired with a saved expected rendering in
 * `expected/<name>.txt`. Shared by the renderer test and by `npx tsx test/console/render-cases.ts`, which
 * prints them for review when the layout changes on purpose.
 */

import { formatMessage, type MessageHeader, type RenderOptions } from "../../src/adapters/console/render.js";
import type { Reply } from "../../src/services/vocabulary/reply.js";
import { GOLDEN_KINDS } from "../contract/golden-replies.js";

export interface RenderCase {
  name: string;
  header: MessageHeader;
  reply: Reply;
  /** Where the adapter saved the full text, for replies that leave something out. */
  attachment?: string;
}

/** The kinds every renderer shows (test/contract/golden-replies.ts), numbered as the console would. */
const KIND_CASES: RenderCase[] = Object.entries(GOLDEN_KINDS).map(([name, reply], i) => ({
  name,
  header: { id: String(20 + i), ...(reply.visibility === "ephemeral" ? { onlyYou: true } : {}) },
  reply,
  ...(name.startsWith("kind-table") || name.startsWith("kind-file")
    ? { attachment: `/tmp/proxmox-chatops-console/message-${20 + i}-${name}.txt` }
    : {}),
}));

export const RENDER_CASES: RenderCase[] = [
  ...KIND_CASES,
  {
    name: "kind-thread-reply",
    header: { id: "31", replyTo: "24" },
    reply: { tone: "success", text: "Acknowledged by Bob Builder", context: "silenced for 2 h" },
  },
  {
    name: "success-fields",
    header: { id: "1" },
    reply: {
      tone: "success",
      title: "Template ubuntu-24.04 built",
      text: "VM 9001 is now a template on pve1.",
      fields: [
        { label: "node", value: "pve1" },
        { label: "vmid", value: "9001" },
        { label: "checksum", value: "sha256 ok\nverified against SHA256SUMS" },
      ],
      visibility: "channel",
    },
  },
  {
    name: "error-code",
    header: { onlyYou: true },
    reply: {
      tone: "danger",
      text: "--node must be a node name like pve1",
      errorCode: "E_ARGS",
      visibility: "ephemeral",
    },
  },
  {
    name: "error-titled",
    header: { id: "4", onlyYou: true },
    reply: {
      tone: "danger",
      title: "Not allowed",
      text: "template.delete needs the operator role.\nAsk an admin for a binding.",
      errorCode: "E_FORBIDDEN",
      visibility: "ephemeral",
    },
  },
  {
    name: "table-footer",
    header: { id: "2" },
    reply: {
      tone: "info",
      title: "Templates",
      table: {
        columns: ["vmid", "name", "node", "created"],
        rows: [
          ["9000", "debian-12", "pve1", "2026-11-01"],
          ["9001", "ubuntu-24.04", "pve2", "2026-11-20"],
          ["9002", "a-name-that-is-much-longer-than-the-cell-limit-allows-for-sure", "pve1"],
        ],
        footer: "… 12 more; narrow it with --node",
      },
    },
  },
  {
    name: "empty-table",
    header: { id: "3" },
    reply: { tone: "info", title: "Jobs", table: { columns: ["id", "state"], rows: [] } },
  },
  {
    name: "code-block",
    header: { id: "7" },
    reply: {
      tone: "danger",
      title: "Job 42 failed at step resize disk",
      text: "Proxmox said: storage 'local-lvm' is full",
      code: "TASK ERROR: storage full\n\tlvcreate failed\n\u001b[31mexit code 5\u001b[0m\n",
      errorCode: "E_JOB",
    },
  },
  {
    name: "progress-half",
    header: { id: "5", edited: true },
    reply: {
      tone: "info",
      title: "Building ubuntu-24.04",
      progress: { fraction: 0.5, step: "import disk (3/6)" },
    },
  },
  {
    name: "progress-bounds",
    header: { id: "6", edited: true },
    reply: {
      title: "Clamped",
      progress: { fraction: 1.7, step: "done" },
      text: "fraction above 1 shows as full",
    },
  },
  {
    name: "approval-buttons",
    header: { id: "8" },
    reply: {
      tone: "warning",
      title: "Approval needed: template delete 9001",
      text: "alice asks to delete template 9001 on pve1.\nExpires in 15 minutes.",
      fields: [{ label: "requested by", value: "Alice Admin" }],
      buttons: [
        { id: "approval:abc:approve", label: "Approve", style: "primary" },
        { id: "approval:abc:deny", label: "Deny", style: "danger" },
      ],
    },
  },
  {
    name: "no-tone-text-only",
    header: { id: "9" },
    reply: { text: "first line\n\nthird line after a blank one" },
  },
  {
    name: "empty",
    header: { id: "10" },
    reply: {},
  },
];

if (process.argv[1]?.endsWith("render-cases.ts")) {
  for (const c of RENDER_CASES) {
    process.stdout.write(`=== ${c.name}\n${formatMessage(c.header, c.reply, optionsOf(c, false))}`);
  }
}

/** The render options a case is printed with. */
export function optionsOf(c: RenderCase, color: boolean): RenderOptions {
  return { color, ...(c.attachment ? { attachment: c.attachment } : {}) };
}
