/**
 * One `/cluster/resources` read shared by every listing: `vms`, `vm <name>`, `nodes`, `storage`,
 * `template list` and autocomplete ask for the cluster's guests, nodes and storages many times a minute,
 * and on a 10,000-VM cluster each read is a few megabytes of JSON. Concurrent callers share the read in
 * flight; its result serves further callers for a short TTL; the bot's own writes (and the end of every
 * task it follows) drop it, so a listing after `vm create` shows the new VM. Changes made elsewhere (the
 * PVE GUI, another bot process) show after at most the TTL, which is shorter than the ~10 s PVE's own
 * resource cache lags anyway.
 */
import type { Clock } from "../ports.js";
import type { ClusterResource, NodeSummary, Proxmox } from "../proxmox.js";

export interface InventoryCacheOptions {
  /** How long one read answers further callers; 0 shares only reads in flight. */
  ttlMs: number;
  clock: Clock;
}

export interface InventoryCache {
  /** The port with `clusterResources` and `nodes` answered from the shared read; writes invalidate it. */
  readonly cached: Proxmox;
  /** The port as it is (every read fresh), except that its writes invalidate the shared read too. */
  readonly invalidating: Proxmox;
  /** Drops the shared read: the next caller reads again. */
  invalidate(): void;
}

/** Calls that change what /cluster/resources shows, or (waitForTask) follow such a change to its end. */
const CHANGES_INVENTORY = [
  "updateVmConfig",
  "createSnapshot",
  "rollbackSnapshot",
  "deleteSnapshot",
  "downloadUrl",
  "createVm",
  "resizeDisk",
  "convertToTemplate",
  "cloneVm",
  "destroyVm",
  "startVm",
  "shutdownVm",
  "stopVm",
  "rebootVm",
  "waitForTask",
] as const satisfies readonly (keyof Proxmox)[];

type ResourceType = "vm" | "storage" | "node";

function ofType(all: ClusterResource[], type: ResourceType | undefined): ClusterResource[] {
  if (type === undefined) return all.slice();
  if (type === "vm") return all.filter((r) => r.type === "qemu" || r.type === "lxc");
  return all.filter((r) => r.type === type);
}

function nodeSummaries(all: ClusterResource[]): NodeSummary[] {
  return all.flatMap((r) => {
    if (r.type !== "node") return [];
    const { type: _type, status, ...rest } = r;
    return [{ ...rest, status: status === "online" || status === "offline" ? status : "unknown" }];
  });
}

export function createInventoryCache(px: Proxmox, options: InventoryCacheOptions): InventoryCache {
  let stored: { at: number; resources: ClusterResource[] } | undefined;
  let inFlight: Promise<ClusterResource[]> | undefined;
  // Bumped by invalidate: a read that started before a write must not be stored after it.
  let generation = 0;

  const invalidate = () => {
    generation++;
    stored = undefined;
    inFlight = undefined;
  };

  const read = (): Promise<ClusterResource[]> => {
    if (stored && options.clock.now() - stored.at < options.ttlMs) return Promise.resolve(stored.resources);
    if (inFlight) return inFlight;
    const started = generation;
    const at = options.clock.now();
    const request = px.clusterResources().then(
      (resources) => {
        if (generation === started) {
          stored = { at, resources };
          inFlight = undefined;
        }
        return resources;
      },
      (err: unknown) => {
        if (generation === started) inFlight = undefined;
        throw err;
      },
    );
    inFlight = request;
    return request;
  };

  const invalidating: Proxmox = { ...px };
  for (const name of CHANGES_INVENTORY) {
    const original = px[name] as (...args: unknown[]) => Promise<unknown>;
    (invalidating as unknown as Record<string, unknown>)[name] = (...args: unknown[]) =>
      original(...args).finally(invalidate);
  }
  // The task follower polls the status instead of waiting: a stopped task has made its change.
  invalidating.taskStatus = async (upid) => {
    const status = await px.taskStatus(upid);
    if (status.status === "stopped") invalidate();
    return status;
  };
  const cached: Proxmox = {
    ...invalidating,
    clusterResources: async (type) => ofType(await read(), type),
    nodes: async () => nodeSummaries(await read()),
  };
  return { cached, invalidating, invalidate };
}
