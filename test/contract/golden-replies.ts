/**
 * One Reply per kind every chat renderer must show (a page of a long table, file overflow from wide cells,
 * buttons with a confirmation, link buttons, mentions, progress, an outcome card, a context line). Each
 * adapter renders them against its own saved output (test/slack/expected, test/console/expected), so a
 * change in the rendering of any kind fails a test on every platform until the saved output is reviewed.
 * Mentions use the console platform here; Slack-native mentions have their own Slack fixture.
 */
import { mention } from "../../src/services/vocabulary/mention.js";
import type { Reply } from "../../src/services/vocabulary/reply.js";

const vmRows = (n: number) =>
  Array.from({ length: n }, (_, i) => [
    String(100 + i),
    `web-${String(i).padStart(3, "0")}`,
    i % 4 === 0 ? "stopped" : "running",
    `pve${(i % 3) + 1}`,
  ]);

const bob = { platform: "console" as const, id: "bob", name: "Bob Builder" };

export const GOLDEN_KINDS: Record<string, Reply> = {
  "kind-table-page": {
    title: "Virtual machines",
    table: {
      columns: ["vmid", "name", "status", "node"],
      rows: vmRows(135),
      page: { number: 2, limit: 20, command: "vms --node pve1" },
    },
    visibility: "ephemeral",
  },
  "kind-table-past-last-page": {
    title: "Virtual machines",
    table: {
      columns: ["vmid", "name", "status", "node"],
      rows: vmRows(45),
      page: { number: 9, limit: 20, command: "vms" },
    },
    visibility: "ephemeral",
  },
  "kind-file-overflow-wide-cells": {
    title: "Audit",
    table: {
      columns: ["time", "who", "command", "outcome"],
      rows: [
        ["2026-12-04 10:02:11", "alice", "template build ubuntu-24.04 --node pve1 --storage local-lvm", "ok"],
        [
          "2026-12-04 10:05:40",
          "bob",
          "template delete 9002",
          "refused: the target changed since it was approved (VMID 9002 is now ubuntu-24.04-20261204)",
        ],
      ],
    },
    visibility: "ephemeral",
  },
  "kind-buttons-confirm": {
    tone: "warning",
    title: "Approval needed: template delete 9002",
    text: "Alice asks to delete template `9002` (*ubuntu-24.04*).",
    buttons: [
      { id: "approval:k1:approve", label: "Approve", style: "primary" },
      {
        id: "approval:k1:deny",
        label: "Deny",
        confirm: {
          title: "Deny `template delete 9002`?",
          text: "Nothing is deleted; *Alice* is told it was denied.",
          confirm: "Deny",
          deny: "Back",
        },
      },
    ],
    visibility: "channel",
  },
  "kind-link-buttons": {
    tone: "danger",
    title: "Disk almost full on pve1",
    text: "local-lvm is 93% full.",
    links: [
      { label: "Dashboard", url: "https://grafana.example/d/pve?var-node=pve1" },
      { label: "Runbook", url: "https://runbooks.example/disk-full" },
    ],
    buttons: [{ id: "alert:a1:ack", label: "Acknowledge" }],
    visibility: "channel",
  },
  "kind-mentions": {
    tone: "info",
    text: `${mention(bob)} approved; ${mention({ platform: "console", id: "ops", name: "ops" }, "group")} was told.`,
    fields: [{ label: "Approved by", value: mention(bob) }],
    visibility: "channel",
  },
  "kind-progress": {
    tone: "info",
    title: "Building ubuntu-24.04 on pve1",
    progress: { fraction: 0.5, step: "import disk (3/6)" },
    buttons: [{ id: "job:42:cancel", label: "Cancel", style: "danger" }],
    visibility: "channel",
  },
  "kind-outcome-card-own-icon": {
    tone: "success",
    title: "✅ Template ubuntu-24.04 built in 4 min 12 s",
    fields: [
      { label: "VMID", value: "9003" },
      { label: "Node", value: "pve1" },
    ],
    visibility: "channel",
  },
  "kind-outcome-card": {
    tone: "danger",
    title: "Denied by Bob Builder",
    text: "template delete 9002 was not run.",
    visibility: "channel",
  },
  "kind-context-line": {
    tone: "warning",
    title: "CPU high on pve2",
    text: "Load 14.2 over 10 minutes.",
    context: "Grafana · rule cpu-high · firing since 2026-12-04 10:02 UTC",
    visibility: "channel",
  },
  "kind-buttons-prompt": {
    tone: "danger",
    title: "Firing: HostHighCpu",
    text: "CPU above 90% on pve1",
    fields: [
      { label: "instance", value: "pve1:9221" },
      { label: "Alerts", value: "1 firing, 0 resolved" },
    ],
    context: "firing since 2026-12-04 12:00 UTC · group 7f3a2c · grafana",
    buttons: [
      { id: "alert:7f3a2c:ack", label: "Acknowledge", style: "primary" },
      { id: "alert:7f3a2c:silence:1h", label: "Silence 1h" },
      {
        id: "alert:7f3a2c:silence",
        label: "Silence…",
        prompt: {
          title: "Silence alert group",
          submit: "Silence",
          fields: [
            { id: "duration", label: "Duration (30m, 4h, 2d)", placeholder: "2h", maxLength: 10 },
            { id: "comment", label: "Comment", multiline: true, required: false, maxLength: 500 },
          ],
        },
      },
    ],
    links: [{ label: "Runbook", url: "https://runbooks.example/cpu" }],
    visibility: "channel",
  },
};
