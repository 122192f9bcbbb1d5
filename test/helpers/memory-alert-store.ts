/**
 * An AlertStore in memory with the semantics the Redis store promises: the first ack wins (the actions are
 * the service's own group actions, as in the Redis store), every change bumps the version and marks the group dirty, markRendered clears the mark only at the version rendered,
 * and the same alert (fingerprint, status, startsAt) twice changes nothing. For the chat side's tests; the
 * Redis store (alertsin) has its own against real Redis.
 */
import { createHash } from "node:crypto";
import {
  type ActionOutcome,
  ackGroup,
  escalateGroup,
  silenceGroup,
  unackGroup,
  unsilenceGroup,
} from "../../src/services/alerts/group-actions.js";
import {
  type AlertActor,
  type AlertBatch,
  type AlertGroup,
  type AlertHistoryEntry,
  type AlertMessage,
  groupState,
} from "../../src/services/alerts/model.js";
import type {
  AckResult,
  AlertGroupFilter,
  AlertStore,
  IngestResult,
} from "../../src/services/alerts/ports.js";

export class MemoryAlertStore implements AlertStore {
  readonly groups = new Map<string, AlertGroup>();
  private readonly marks = new Map<string, number>();
  private seq = 0;

  async ingest(batch: AlertBatch, routes: (batch: AlertBatch) => AlertMessage[]): Promise<IngestResult> {
    const id = createHash("sha256")
      .update(`${batch.sourceName}\0${batch.groupKey}`)
      .digest("hex")
      .slice(0, 8);
    const at = batch.receivedAt;
    const existing = this.groups.get(id);
    const group: AlertGroup = existing
      ? structuredClone(existing)
      : {
          id,
          source: batch.source,
          sourceName: batch.sourceName,
          groupKey: batch.groupKey,
          receiver: batch.receiver,
          groupLabels: batch.groupLabels,
          commonLabels: batch.commonLabels,
          commonAnnotations: batch.commonAnnotations,
          externalURL: batch.externalURL,
          alerts: {},
          truncatedAlerts: batch.truncatedAlerts,
          status: batch.status,
          firstFiringAt: at,
          escalations: 0,
          messages: routes(batch),
          history: [],
          version: 0,
          updatedAt: at,
        };
    const added: AlertHistoryEntry[] = [];
    let changed = !existing;
    for (const alert of batch.alerts) {
      const before = group.alerts[alert.fingerprint];
      if (before && before.status === alert.status && before.startsAt === alert.startsAt) continue;
      group.alerts[alert.fingerprint] = alert;
      changed = true;
    }
    if (!changed) return { group: existing!, changed: false, added: [] };
    const firing = Object.values(group.alerts).some((a) => a.status === "firing");
    if (firing && group.status === "resolved") {
      group.firstFiringAt = at;
      group.escalations = 0;
      group.resolvedAt = undefined;
      group.ack = undefined;
      added.push({ at, kind: "firing", text: "firing again" });
    } else if (!firing && group.status === "firing") {
      group.resolvedAt = at;
      added.push({ at, kind: "resolved", text: "resolved" });
    } else if (existing) {
      added.push({ at, kind: "alert-added", text: `${Object.keys(group.alerts).length} alerts now` });
    } else {
      added.push({ at, kind: "firing", text: "firing" });
    }
    group.status = firing ? "firing" : "resolved";
    group.commonLabels = batch.commonLabels;
    group.commonAnnotations = batch.commonAnnotations;
    group.history.push(...added);
    this.save(group, at);
    return { group: structuredClone(group), changed: true, added };
  }

  async get(id: string) {
    const g = this.groups.get(id);
    return g && structuredClone(g);
  }

  async list(filter: AlertGroupFilter, now: number) {
    return [...this.groups.values()]
      .filter((g) => !filter.state || groupState(g, now) === filter.state)
      .filter((g) => Object.entries(filter.labels ?? {}).every(([k, v]) => g.commonLabels[k] === v))
      .sort((a, b) => b.updatedAt - a.updatedAt)
      .slice(0, filter.limit ?? 100)
      .map((g) => structuredClone(g));
  }

  async ack(id: string, by: AlertActor, at: number): Promise<AckResult> {
    return this.act(id, (g) => ackGroup(g, by, at), { ok: false, reason: "not-found" });
  }

  async unack(id: string, by: AlertActor, at: number): Promise<AckResult> {
    return this.act(id, (g) => unackGroup(g, by, at), { ok: false, reason: "not-found" });
  }

  async setSilence(id: string, silence: NonNullable<AlertGroup["silence"]>) {
    return this.act(id, (g) => silenceGroup(g, silence), undefined);
  }

  async clearSilence(id: string, by: AlertActor, at: number) {
    return this.act(id, (g) => unsilenceGroup(g, by, at), undefined);
  }

  async attachMessage(id: string, message: AlertMessage) {
    const g = this.groups.get(id);
    if (!g) return;
    const i = g.messages.findIndex(
      (m) =>
        m.conversation.platform === message.conversation.platform &&
        m.conversation.channelId === message.conversation.channelId,
    );
    if (i >= 0) g.messages[i] = message;
    else g.messages.push(message);
  }

  async recordEscalation(id: string, at: number) {
    return this.act(id, (g) => escalateGroup(g, at), undefined);
  }

  async dirty(limit: number) {
    return [...this.marks.entries()]
      .sort((a, b) => a[1] - b[1])
      .slice(0, limit)
      .map(([id]) => id);
  }

  async markRendered(id: string, version: number) {
    if (this.groups.get(id)?.version === version) this.marks.delete(id);
  }

  /**
   * Runs one of the service's group actions (the Redis store runs the same ones inside its script) and
   * keeps the group it returns, marked dirty; the action already bumped the version.
   */
  private act<R>(id: string, action: (g: AlertGroup) => ActionOutcome<R>, missing: R): R {
    const g = this.groups.get(id);
    if (!g) return missing;
    const outcome = action(structuredClone(g));
    if (outcome.next) {
      this.groups.set(id, outcome.next);
      this.mark(id);
    }
    return structuredClone(outcome.result);
  }

  private mark(id: string): void {
    this.marks.delete(id);
    this.marks.set(id, ++this.seq);
  }

  private save(g: AlertGroup, at: number): void {
    g.version += 1;
    g.updatedAt = at;
    this.groups.set(g.id, g);
    this.mark(g.id);
  }
}
