/**
 * The slots a build holds while it works: a lock on its distro and node (so two builds of one distro on
 * one node give one template), a node slot and a storage slot (the configured concurrency limits).
 */

import { storageLimit } from "./config.js";
import type { BuildContext, LeaseBook, TemplateServices } from "./deps.js";
import type { Lease } from "./ports.js";

/** Takes the distro lock, then a node slot, then the storage slot, always in that order (no deadlock). */
export async function ensureLeases(
  deps: TemplateServices,
  leases: LeaseBook,
  ctx: BuildContext,
): Promise<void> {
  if (leases.has(ctx.jobId)) return;
  const { node, distro, settings } = ctx.data;
  const placement = ctx.state.placement as { storageKey?: string } | undefined;
  const storageKey = placement?.storageKey ?? `storage:${node}:${settings.storage}`;
  const options = { owner: ctx.jobId, leaseMs: deps.leaseMs ?? 60_000, signal: ctx.signal };
  const held: Lease[] = [];
  leases.set(ctx.jobId, held);
  try {
    ctx.progress(0, "waiting for a build slot");
    held.push(await deps.semaphore.acquire(`build:${node}:${distro}`, 1, options));
    held.push(await deps.semaphore.acquire(`node:${node}`, deps.config.concurrency.perNode, options));
    held.push(await deps.semaphore.acquire(storageKey, storageLimit(deps.config, settings.storage), options));
  } catch (err) {
    await releaseLeases(leases, ctx.jobId);
    throw err;
  }
}

export async function releaseLeases(leases: LeaseBook, jobId: string): Promise<void> {
  const held = leases.get(jobId) ?? [];
  leases.delete(jobId);
  await Promise.all(held.map((l) => l.release().catch(() => undefined)));
}
