/**
 * The alert group's message: what each state shows, the buttons each state offers, and a storm-sized group
 * (sixty alerts, long label values, long annotations) rendered by the Slack adapter into a message the fake
 * Slack accepts, with every button and link kept.
 */
import { describe, expect, it } from "vitest";
import { ButtonSigner } from "../../src/adapters/chat-kit/button-signer.js";
import { renderReply } from "../../src/adapters/slack/blocks.js";
import { SLACK_BUTTONS } from "../../src/adapters/slack/limits.js";
import type { AlertGroup } from "../../src/services/alerts/model.js";
import { alertGroupReply, DEFAULT_ALERT_LABELS, parseAlertAction } from "../../src/services/alerts/render.js";
import { buttonsOf, validateMessage } from "../fakes/slack/index.js";
import { MemoryAlertStore } from "../helpers/memory-alert-store.js";
import { alertOf, batchOf, routedTo, T0 } from "./batches.js";

const ops = { platform: "slack" as const, channelId: "C1" };
const opts = { labels: DEFAULT_ALERT_LABELS, now: T0 + 60_000 };
const ada = { platform: "slack" as const, id: "U1", name: "Ada" };

async function groupOf(n: number, long = ""): Promise<AlertGroup> {
  const store = new MemoryAlertStore();
  const alerts = Array.from({ length: n }, (_, i) =>
    alertOf(`pve${i}${long}`, {
      annotations: { summary: `CPU high ${long}${long}`, description: long.repeat(4) },
    }),
  );
  return (await store.ingest(batchOf(alerts), routedTo("infra", ops))).group;
}

describe("the alert group message", () => {
  it("shows each state with its buttons: firing, acked, silenced, resolved", async () => {
    const g = await groupOf(1);
    const labels = (group: AlertGroup) => alertGroupReply(group, opts).buttons!.map((b) => b.label);
    expect(labels(g)).toEqual(["Acknowledge", "Silence 1h", "Silence 4h", "Silence 24h", "Silence…"]);
    const acked = { ...g, ack: { by: ada, at: T0 } };
    expect(labels(acked)).toEqual(["Unacknowledge", "Silence 1h", "Silence 4h", "Silence 24h", "Silence…"]);
    const silenced = { ...acked, silence: { id: "s", by: ada, at: T0, until: T0 + 3_600_000, comment: "" } };
    expect(alertGroupReply(silenced, opts)).toMatchObject({ title: "Silenced: HostHighCpu", tone: "info" });
    expect(labels(silenced)).toEqual(["Unsilence"]);
    // A silence that has ended no longer counts.
    expect(alertGroupReply(silenced, { ...opts, now: T0 + 3_600_001 }).title).toBe(
      "Acknowledged: HostHighCpu",
    );
    const resolved = { ...g, status: "resolved" as const, resolvedAt: T0 + 90 * 60_000 };
    expect(alertGroupReply(resolved, opts)).toMatchObject({ title: "Resolved: HostHighCpu", buttons: [] });
    expect(alertGroupReply(resolved, opts).context).toMatch(/^resolved after 1h 30m/);
    for (const b of alertGroupReply(g, opts).buttons!)
      expect(parseAlertAction(b.id)).toMatchObject({ groupId: g.id });
  });

  it("carries the links, the values and the configured labels", async () => {
    const reply = alertGroupReply(await groupOf(1), opts);
    expect(reply.links!.map((l) => l.label)).toEqual([
      "Dashboard",
      "Panel",
      "Runbook",
      "Silence in Grafana",
      "Source",
    ]);
    expect(reply.fields).toEqual([
      { label: "alertname", value: "HostHighCpu" },
      { label: "instance", value: "pve0" },
      { label: "severity", value: "critical" },
      { label: "job", value: "pve" },
      { label: "Alerts", value: "1 firing, 0 resolved" },
      { label: "Value", value: "A=93.250" },
    ]);
  });

  it("a storm-sized group still renders into a message Slack accepts, every button and link kept", async () => {
    const group = await groupOf(60, "x".repeat(400));
    const reply = alertGroupReply(group, opts);
    expect(reply.text!.length).toBeLessThanOrEqual(1500);
    const signer = new ButtonSigner("render", { now: () => T0 }, 86_400_000, SLACK_BUTTONS);
    const out = renderReply(reply, signer);
    expect(validateMessage({ ...out, blocks: JSON.stringify(out.blocks) })).toMatchObject({ ok: true });
    expect(buttonsOf(out.blocks).map((b) => b.text)).toEqual([
      "Acknowledge",
      "Silence 1h",
      "Silence 4h",
      "Silence 24h",
      "Silence…",
      "Dashboard",
      "Panel",
      "Runbook",
      "Silence in Grafana",
      "Source",
    ]);
  });
});
