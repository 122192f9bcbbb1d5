/**
 * The bot's own snapshots: named `chatops-pre-<UTC time>` and described `chatops: …`. Cleanup and the
 * snapshot list recognise them by both, so a snapshot someone else took is never deleted, even one whose
 * name happens to start the same way.
 */
import type { SnapshotInfo } from "../proxmox.js";

export const SNAPSHOT_PREFIX = "chatops-pre-";
const DESCRIPTION_MARK = "chatops:";

/** `chatops-pre-20261204-161200`: sortable, unique per second, within PVE's 40 characters. */
export function snapshotName(nowMs: number): string {
  const iso = new Date(nowMs).toISOString();
  return `${SNAPSHOT_PREFIX}${iso.slice(0, 10).replaceAll("-", "")}-${iso.slice(11, 19).replaceAll(":", "")}`;
}

export function snapshotDescription(jobId: string, requestedBy: string): string {
  return `${DESCRIPTION_MARK} before guest updates, job ${jobId}, requested by ${requestedBy}`;
}

export function isBotSnapshot(s: Pick<SnapshotInfo, "name" | "description">): boolean {
  return s.name.startsWith(SNAPSHOT_PREFIX) && s.description.startsWith(DESCRIPTION_MARK);
}
