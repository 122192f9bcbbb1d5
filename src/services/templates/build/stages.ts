/**
 * The stages of one template build, shared by the `template.build` job (one progress step each) and the
 * matrix runner. Each stage records what it did in `ctx.state` before and after risky calls, so a retry
 * skips finished work and the cleanup knows exactly what this build created.
 */
import { UserError } from "../../errors.js";
import type { JobRunContext } from "../../jobs/definition.js";
import type { Clock } from "../../ports.js";
import { type Proxmox, ProxmoxError, ProxmoxTaskError } from "../../proxmox.js";
import { listTemplates } from "../lifecycle/inventory.js";
import { storageLimit, type TemplatesConfig } from "./config.js";
import type { TaskFollower } from "./follow-task.js";
import { distroTag, formatMetadata, SUPERSEDED_TAG, TEMPLATE_TAG, templateName } from "./metadata.js";
import type {
  ChecksumSource,
  DistroCatalog,
  DistroEntry,
  Lease,
  Semaphore,
  VmidReservations,
} from "./ports.js";
import { checkRequestedVmid, checkStorages, takenVmids } from "./preflight.js";
import type { BuildRequest } from "./request.js";

export interface BuildDeps {
  proxmox: Proxmox;
  catalog: DistroCatalog;
  checksums: ChecksumSource;
  importFilename(entry: DistroEntry, checksum: string): string;
  reservations: VmidReservations;
  semaphore: Semaphore;
  config: TemplatesConfig;
  clock: Clock;
  follower: TaskFollower;
  /** How long a VMID reservation lives without the build finishing; default 2 h. */
  reservationTtlMs?: number;
  /** Semaphore lease; renewed while the build runs. Default 60 s. */
  leaseMs?: number;
}

export type BuildContext = JobRunContext<BuildRequest>;

/** Leases are process-local handles: a retry on another worker takes them again. */
export type LeaseBook = Map<string, Lease[]>;

const CREATE_RETRIES = 5;

function entryOf(deps: BuildDeps, key: string): DistroEntry {
  const entry = deps.catalog.get(key);
  if (!entry) {
    const close = deps.catalog.suggest(key, 3);
    throw new UserError(
      "E_ARGS",
      `unknown distro "${key}"${close.length > 0 ? `; did you mean ${close.join(", ")}?` : ""}`,
    );
  }
  return entry;
}

/** Gives PVE task failures the `taskLog` field the failed-job card shows. */
function withTaskLog(err: unknown): unknown {
  if (err instanceof ProxmoxTaskError) Object.assign(err, { taskLog: [...err.logTail] });
  return err;
}

async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw withTaskLog(err);
  }
}

/** Takes the distro lock, then a node slot, then the storage slot, always in that order (no deadlock). */
export async function ensureLeases(deps: BuildDeps, leases: LeaseBook, ctx: BuildContext): Promise<void> {
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

/** Stage 1: checks, the upstream checksum, and the up-to-date answer. */
export async function checkStage(deps: BuildDeps, leases: LeaseBook, ctx: BuildContext): Promise<void> {
  const { proxmox } = deps;
  const { node, distro, settings } = ctx.data;
  const entry = entryOf(deps, distro);
  // The node itself was checked when the build was planned; an unknown node fails the storage list.
  ctx.state.placement = { ...(await checkStorages(proxmox, node, settings)) };
  const expected = await deps.checksums.expected(entry);
  ctx.state.algorithm = expected.algorithm;
  ctx.state.checksum = expected.value.toLowerCase();
  ctx.state.imageUrl = expected.imageUrl;
  await ctx.save();
  await ensureLeases(deps, leases, ctx);
  if (!ctx.data.force && typeof ctx.state.vmid !== "number") {
    const newest = (await listTemplates(proxmox, { node, distro })).find((t) => !t.superseded);
    if (newest?.meta?.checksum === ctx.state.checksum) {
      ctx.state.upToDate = { name: newest.name, vmid: newest.vmid };
      await ctx.save();
    }
  }
}

const skipped = (ctx: BuildContext) => ctx.state.upToDate !== undefined;

/** Stage 2: reuse the image on the storage when this checksum was downloaded before; else download it. */
export async function imageStage(deps: BuildDeps, leases: LeaseBook, ctx: BuildContext): Promise<void> {
  if (skipped(ctx) || typeof ctx.state.imageVolid === "string") return;
  await ensureLeases(deps, leases, ctx);
  const { proxmox } = deps;
  const { node, settings, distro } = ctx.data;
  const checksum = String(ctx.state.checksum);
  const filename = deps.importFilename(entryOf(deps, distro), checksum);
  const volid = `${settings.imageStorage}:import/${filename}`;
  const present = await proxmox.storageContent(node, settings.imageStorage, { content: "import" });
  if (present.some((v) => v.volid === volid)) {
    ctx.state.imageReused = true;
  } else {
    ctx.progress(0.05, `downloading ${filename}`);
    await guarded(async () =>
      deps.follower.follow(
        await proxmox.downloadUrl(node, settings.imageStorage, {
          url: String(ctx.state.imageUrl),
          filename,
          content: "import",
          checksum,
          checksumAlgorithm: ctx.state.algorithm as "sha256" | "sha512",
        }),
        { signal: ctx.signal },
      ),
    );
  }
  ctx.state.imageVolid = volid;
}

/** Stage 3: a VMID from the template range, held in Redis until PVE knows the VM. */
export async function vmidStage(deps: BuildDeps, leases: LeaseBook, ctx: BuildContext): Promise<void> {
  if (skipped(ctx) || typeof ctx.state.vmid === "number") return;
  await ensureLeases(deps, leases, ctx);
  ctx.state.vmid = await allocateVmid(deps, ctx, new Set());
}

async function allocateVmid(deps: BuildDeps, ctx: BuildContext, skip: Set<number>): Promise<number> {
  const ttl = deps.reservationTtlMs ?? 2 * 3_600_000;
  if (ctx.data.vmid !== undefined) {
    await checkRequestedVmid(deps.proxmox, deps.reservations, deps.config, ctx.data.vmid);
    if (!(await deps.reservations.reserve(ctx.data.vmid, ctx.jobId, ttl))) {
      throw new UserError("E_ARGS", `VMID ${ctx.data.vmid} is reserved by another template build`);
    }
    return ctx.data.vmid;
  }
  const { min, max } = deps.config.vmidRange;
  const taken = await takenVmids(deps.proxmox);
  const reserved = await deps.reservations.reserved(min, max);
  for (let vmid = min; vmid <= max; vmid++) {
    if (taken.has(vmid) || reserved.has(vmid) || skip.has(vmid)) continue;
    if (await deps.reservations.reserve(vmid, ctx.jobId, ttl)) return vmid;
  }
  throw new UserError(
    "E_CONFIG",
    `no free VMID left in the template range ${min}–${max} (templates.vmidRange)`,
  );
}

function createRequest(deps: BuildDeps, ctx: BuildContext, vmid: number) {
  const { data, state } = ctx;
  const s = data.settings;
  const builtAt = typeof state.builtAt === "number" ? state.builtAt : deps.clock.now();
  state.builtAt = builtAt;
  const checksum = String(state.checksum);
  const name = data.name ?? templateName(data.distro, builtAt, checksum);
  state.name = name;
  const description = formatMetadata({
    distro: data.distro,
    imageUrl: String(state.imageUrl),
    algorithm: String(state.algorithm),
    checksum,
    builtAt,
    builtBy: data.requestedBy,
    jobId: ctx.jobId,
  });
  return {
    vmid,
    name,
    memoryMiB: s.memory,
    cores: s.cores,
    tags: [...new Set([TEMPLATE_TAG, distroTag(data.distro), ...s.tags])],
    ...(data.sshKeyText ? { sshKeys: data.sshKeyText } : {}),
    extra: {
      ostype: "l26",
      cpu: s.cpu,
      sockets: 1,
      scsihw: "virtio-scsi-single",
      scsi0: `${s.storage}:0,import-from=${String(state.imageVolid)},discard=on,iothread=1,ssd=1`,
      ide2: `${s.storage}:cloudinit`,
      boot: "order=scsi0",
      serial0: "socket",
      vga: "serial0",
      agent: "enabled=1,fstrim_cloned_disks=1",
      net0: `virtio,bridge=${s.bridge}${s.vlan !== undefined ? `,tag=${s.vlan}` : ""}`,
      ipconfig0: "ip=dhcp",
      ...(s.ciuser ? { ciuser: s.ciuser } : {}),
      description,
    },
  };
}

const alreadyExists = (err: unknown) =>
  err instanceof ProxmoxError &&
  !(err instanceof ProxmoxTaskError) &&
  /already exists/.test(err.message + (err.pveMessage ?? ""));

/** Stage 4: create the VM importing the image; a VMID someone else took meanwhile moves to the next one. */
export async function createStage(deps: BuildDeps, leases: LeaseBook, ctx: BuildContext): Promise<void> {
  if (skipped(ctx) || typeof ctx.state.createdVmid === "number") return;
  await ensureLeases(deps, leases, ctx);
  const skip = new Set<number>();
  for (let attempt = 0; ; attempt++) {
    const vmid = Number(ctx.state.vmid);
    ctx.state.creatingVmid = vmid;
    await ctx.save();
    let upid: string;
    try {
      upid = await deps.proxmox.createVm(ctx.data.node, createRequest(deps, ctx, vmid));
    } catch (err) {
      delete ctx.state.creatingVmid;
      if (!alreadyExists(err) || ctx.data.vmid !== undefined || attempt >= CREATE_RETRIES)
        throw withTaskLog(err);
      await deps.reservations.release(vmid, ctx.jobId);
      skip.add(vmid);
      ctx.state.vmid = await allocateVmid(deps, ctx, skip);
      continue;
    }
    ctx.state.createdVmid = vmid;
    delete ctx.state.creatingVmid;
    await ctx.save();
    ctx.progress(0.1, `importing the image into VM ${vmid}`);
    await guarded(() => deps.follower.follow(upid, { signal: ctx.signal }));
    return;
  }
}

/** Stage 5: grow the imported disk to the configured size (absolute, so a repeat is harmless). */
export async function resizeStage(deps: BuildDeps, leases: LeaseBook, ctx: BuildContext): Promise<void> {
  if (skipped(ctx) || ctx.state.resized === true) return;
  await ensureLeases(deps, leases, ctx);
  const vmid = Number(ctx.state.createdVmid);
  await guarded(async () =>
    deps.follower.follow(
      await deps.proxmox.resizeDisk(ctx.data.node, vmid, "scsi0", `${ctx.data.settings.disk}G`),
      {
        signal: ctx.signal,
      },
    ),
  );
  ctx.state.resized = true;
}

/** Stage 6: convert to a template. */
export async function templateStage(deps: BuildDeps, leases: LeaseBook, ctx: BuildContext): Promise<void> {
  if (skipped(ctx) || ctx.state.converted === true) return;
  await ensureLeases(deps, leases, ctx);
  const vmid = Number(ctx.state.createdVmid);
  // Only a retry after an interrupted conversion needs to ask whether it already happened.
  const done = ctx.state.converting === true && (await deps.proxmox.vmStatus(ctx.data.node, vmid)).template;
  if (!done) {
    ctx.state.converting = true;
    await ctx.save();
    await guarded(async () =>
      deps.follower.follow(await deps.proxmox.convertToTemplate(ctx.data.node, vmid), { signal: ctx.signal }),
    );
  }
  ctx.state.converted = true;
}

/** Stage 7: confirm `template: 1`, mark older versions superseded, free the VMID and the slots. */
export async function verifyStage(deps: BuildDeps, leases: LeaseBook, ctx: BuildContext): Promise<void> {
  const { node, distro } = ctx.data;
  if (!skipped(ctx)) {
    const vmid = Number(ctx.state.createdVmid);
    const config = await deps.proxmox.vmConfig(node, vmid);
    if (Number(config.template ?? 0) !== 1) {
      throw new UserError(
        "E_PVE",
        `VM ${vmid} on ${node} is not a template after conversion (config has no template: 1)`,
      );
    }
    await markSuperseded(deps.proxmox, node, distro, vmid);
    await deps.reservations.release(vmid, ctx.jobId);
    // From here on the template is the build's result, never something to clean up.
    ctx.state.done = true;
    await ctx.save();
  }
  await releaseLeases(leases, ctx.jobId);
}

/** Tags every other template of the distro on the node `superseded`; the newest build is the current one. */
export async function markSuperseded(
  proxmox: Proxmox,
  node: string,
  distro: string,
  current: number,
): Promise<number[]> {
  const older = (await listTemplates(proxmox, { node, distro, exclude: current })).filter(
    (t) => !t.superseded,
  );
  for (const t of older) {
    await proxmox.updateVmConfig(node, t.vmid, { tags: [...t.tags, SUPERSEDED_TAG].join(";") });
  }
  return older.map((t) => t.vmid);
}

/**
 * Removes what this build created: the VM (purged, with unreferenced disks) and the reservation. A VM is
 * destroyed only when this build created it, or when its description carries this build's job id (the
 * worker died between sending the create and recording it). Idempotent: a missing VM is fine.
 */
export async function cleanupBuild(deps: BuildDeps, leases: LeaseBook, ctx: BuildContext): Promise<string[]> {
  const removed: string[] = [];
  const { node } = ctx.data;
  if (ctx.state.done === true) {
    await releaseLeases(leases, ctx.jobId);
    return removed;
  }
  const candidates: number[] = [];
  if (typeof ctx.state.createdVmid === "number") candidates.push(ctx.state.createdVmid);
  else if (typeof ctx.state.creatingVmid === "number") {
    const config = await deps.proxmox.vmConfig(node, ctx.state.creatingVmid).catch(() => undefined);
    if (typeof config?.description === "string" && config.description.includes(`job: ${ctx.jobId}\n`)) {
      candidates.push(ctx.state.creatingVmid);
    }
  }
  for (const vmid of candidates) {
    const exists = await deps.proxmox.vmStatus(node, vmid).then(
      () => true,
      (err: unknown) => {
        if (
          err instanceof ProxmoxError &&
          /does not exist|no such VM/i.test(`${err.message} ${err.pveMessage ?? ""}`)
        )
          return false;
        throw err;
      },
    );
    if (exists) {
      await deps.follower.follow(
        await deps.proxmox.destroyVm(node, vmid, { purge: true, destroyUnreferencedDisks: true }),
      );
      removed.push(`VM ${vmid}`);
    }
    delete ctx.state.createdVmid;
    await ctx.save();
  }
  if (typeof ctx.state.vmid === "number") await deps.reservations.release(ctx.state.vmid, ctx.jobId);
  await releaseLeases(leases, ctx.jobId);
  return removed;
}
