/**
 * The slots a build holds while it works: a lock on its distro and node (so two builds of one distro on
 * one node give one template), a node slot and a storage slot (the configured concurrency limits).
 */

import { acquireInOrder, type LeaseBook } from "../../locks/lease-book.js";
import { storageLimit } from "./config.js";
import type { BuildContext, TemplateServices } from "./deps.js";

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
  ctx.progress(0, "waiting for a build slot");
  await acquireInOrder(
    deps.semaphore,
    leases,
    ctx.jobId,
    [
      { key: `build:${node}:${distro}`, limit: 1 },
      { key: `node:${node}`, limit: deps.config.concurrency.perNode },
      { key: storageKey, limit: storageLimit(deps.config, settings.storage) },
    ],
    { leaseMs: deps.leaseMs ?? 60_000, signal: ctx.signal },
  );
}
