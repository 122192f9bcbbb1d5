/**
 * What the scale and chaos runs measure from the outside: job outcomes from the audit stream, builds per
 * node running at once from the simulator's request log and task ends, which process ran each job from
 * BullMQ, job-card edits per process from the Slack proxies, and each card's final state and the approval
 * card's buttons from the fake Slack.
 */
import { bullPrefixFor } from "../../src/adapters/queue/connection.js";
import { RedisAuditLog } from "../../src/adapters/store/audit-log.js";
import type { AuditRecord } from "../../src/services/audit/record.js";
import { buttonsOf } from "../../test/fakes/slack/index.js";
import { CHANNEL, type Rig } from "./rig.js";

/** Every audit record since `since`. */
export async function auditSince(rig: Rig, since: number): Promise<AuditRecord[]> {
  const audit = new RedisAuditLog(rig.redis, { prefix: rig.prefix });
  const out: AuditRecord[] = [];
  for await (const record of audit.scan(since)) out.push(record);
  return out;
}

/** Final job records (completed, failed, cancelled) in the audit stream since `since`. */
export async function jobOutcomes(rig: Rig, since: number): Promise<AuditRecord[]> {
  return (await auditSince(rig, since)).filter(
    (r) => r.kind === "job" && ["completed", "failed", "cancelled"].includes(r.outcome),
  );
}

/**
 * Follows builds in the simulator: a build holds its node from its VM create request to the end of its
 * template conversion task. Returns the most builds seen at once per node.
 */
export function buildConcurrency(rig: Rig): { peak(): Record<string, number>; stop(): void } {
  const running = new Map<string, Set<string>>();
  const peaks: Record<string, number> = {};
  const seen = new Set<number>();
  const onRequest = setInterval(() => {
    rig.sim.requests.entries.forEach((entry, index) => {
      if (seen.has(index)) return;
      seen.add(index);
      const create = /^\/nodes\/([^/]+)\/qemu$/.exec(entry.path);
      if (entry.method !== "POST" || !create || entry.status !== 200) return;
      const node = create[1]!;
      const set = running.get(node) ?? new Set<string>();
      set.add(String(entry.body.vmid));
      running.set(node, set);
      peaks[node] = Math.max(peaks[node] ?? 0, set.size);
    });
  }, 5);
  const unsubscribe = rig.sim.onTaskEnd((task) => {
    const [, node, , , , type, id] = task.upid.split(":");
    if (type === "qmtemplate" && node) running.get(node)?.delete(String(id));
  });
  // A create that failed leaves no template task; its VM is destroyed by the build's cleanup.
  const onDestroy = rig.sim.onTaskEnd((task) => {
    const [, node, , , , type, id] = task.upid.split(":");
    if (type === "qmdestroy" && node) running.get(node)?.delete(String(id));
  });
  return {
    peak: () => ({ ...peaks }),
    stop: () => {
      clearInterval(onRequest);
      unsubscribe();
      onDestroy();
    },
  };
}

/**
 * Which processes sent edits of each job card posted since `since` (by the card's ts). With the durable
 * outbox these are the holders of the channel's lane, not necessarily the worker that ran the job.
 */
export function cardEditors(rig: Rig, since: number): Map<string, Set<string>> {
  const cards = new Map<string, Set<string>>();
  for (const call of rig.calls) {
    if (call.at < since || call.method !== "chat.postMessage" || !call.resultTs) continue;
    cards.set(call.resultTs, new Set());
  }
  for (const call of rig.calls) {
    if (call.method !== "chat.update" || !call.ts) continue;
    cards.get(call.ts)?.add(call.proc);
  }
  return cards;
}

/** A card in its final completed state in the fake Slack: success icon, no Cancel button left. */
export function cardCompleted(rig: Rig, ts: string): boolean {
  const message = rig.fake.state.messages.find((m) => m.channel === CHANNEL && m.ts === ts);
  if (!message) return false;
  const live = buttonsOf(message.blocks).some((b) => /^job:.*:cancel$/.test(b.action_id));
  return !live && JSON.stringify(message.blocks ?? []).includes(":white_check_mark:");
}

/**
 * Which rig process ran each job: BullMQ records the worker's name (`host:pid`) on the job it takes, and
 * the job's card edits are asked for by that process. Unknown pids (or none) count as `?`.
 */
export async function jobRunners(rig: Rig, jobIds: readonly string[]): Promise<Map<string, string>> {
  const byPid = new Map(rig.procs.map((p) => [String(p.child.pid), p.name]));
  const base = `${bullPrefixFor(rig.prefix)}:jobs:`;
  const names = await Promise.all(jobIds.map((id) => rig.redis.hget(`${base}${id}`, "pb")));
  return new Map(jobIds.map((id, i) => [id, byPid.get(names[i]?.split(":").pop() ?? "") ?? "?"]));
}

/** The approve button of the newest message in the bench channel that has one. */
export function approveButton(rig: Rig): { ts: string; actionId: string; value?: string } | undefined {
  for (const message of [...rig.fake.state.messages].reverse()) {
    if (message.channel !== CHANNEL) continue;
    const button = buttonsOf(message.blocks).find((b) => /approve/.test(b.action_id));
    if (button) return { ts: message.ts, actionId: button.action_id, value: button.value };
  }
  return undefined;
}

/** The x86_64 distro keys of the catalog, repeated to `count`. */
export function distroKeys(keys: readonly string[], count: number): string[] {
  return Array.from({ length: count }, (_, i) => keys[i % keys.length]!);
}
