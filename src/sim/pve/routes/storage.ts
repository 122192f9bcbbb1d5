import { createHash } from "node:crypto";
import { hasPrivilege } from "../auth/acl.js";
import { handlerError, permissionError } from "../errors.js";
import { referencedVolids } from "../state/disks.js";
import type { StorageState, VolumeState } from "../state/types.js";
import { downloadUrl } from "./download.js";
import { num, ownerOf, type RequestContext, type RouteDefinition, str } from "./types.js";

function canSee(ctx: RequestContext, storage: string): boolean {
  return ["Datastore.Audit", "Datastore.AllocateSpace"].some((p) =>
    hasPrivilege(ctx.principal, `/storage/${storage}`, p),
  );
}

function storageSummary(ctx: RequestContext, s: StorageState, node: string): Record<string, unknown> {
  const used = ctx.rt.state.usedBytes(s.storage, node);
  return {
    storage: s.storage,
    type: s.type,
    content: [...s.content].sort().join(","),
    active: 1,
    enabled: s.enabled ? 1 : 0,
    shared: s.shared ? 1 : 0,
    total: s.total,
    used,
    avail: s.total - used,
    used_fraction: used / s.total,
  };
}

function listStorages(ctx: RequestContext) {
  const node = str(ctx.params, "node")!;
  ctx.rt.state.node(node);
  const content = str(ctx.params, "content")?.split(/[,;\s]+/);
  const only = str(ctx.params, "storage");
  const enabledOnly = num(ctx.params, "enabled") === 1;
  return [...ctx.rt.state.storages.values()]
    .filter((s) => !s.nodes || s.nodes.includes(node))
    .filter((s) => canSee(ctx, s.storage))
    .filter((s) => !only || s.storage === only)
    .filter((s) => !enabledOnly || s.enabled)
    .filter((s) => !content || content.some((c) => s.content.includes(c)))
    .map((s) => storageSummary(ctx, s, node));
}

function storageStatus(ctx: RequestContext) {
  const node = str(ctx.params, "node")!;
  ctx.rt.state.node(node);
  const s = ctx.rt.state.storage(str(ctx.params, "storage")!, node);
  const { storage: _s, used_fraction: _f, ...rest } = storageSummary(ctx, s, node);
  return rest;
}

function storageConfig(s: StorageState): Record<string, unknown> {
  return {
    storage: s.storage,
    type: s.type,
    content: [...s.content].sort().join(","),
    ...(s.path ? { path: s.path } : {}),
    ...(s.shared ? { shared: 1 } : {}),
    ...(s.nodes ? { nodes: s.nodes.join(",") } : {}),
    ...(s.enabled ? {} : { disable: 1 }),
    digest: createHash("sha1").update(JSON.stringify(s)).digest("hex"),
  };
}

function volumeRow(v: VolumeState): Record<string, unknown> {
  return {
    volid: v.volid,
    content: v.content,
    format: v.format,
    size: v.size,
    ctime: v.ctime,
    ...(v.vmid !== undefined ? { vmid: v.vmid, used: v.size } : {}),
    ...(v.notes ? { notes: v.notes } : {}),
    ...(v.parent ? { parent: v.parent } : {}),
  };
}

function listContent(ctx: RequestContext) {
  const node = str(ctx.params, "node")!;
  ctx.rt.state.node(node);
  const s = ctx.rt.state.storage(str(ctx.params, "storage")!, node);
  const content = str(ctx.params, "content");
  const vmid = num(ctx.params, "vmid");
  return ctx.rt.state
    .volumesOn(s.storage, node)
    .filter((v) => !content || v.content === content)
    .filter((v) => vmid === undefined || v.vmid === vmid)
    .map(volumeRow);
}

function deleteVolume(ctx: RequestContext) {
  const node = str(ctx.params, "node")!;
  const { state } = ctx.rt;
  state.node(node);
  const s = state.storage(str(ctx.params, "storage")!, node);
  if (!hasPrivilege(ctx.principal, `/storage/${s.storage}`, "Datastore.Allocate")) {
    throw permissionError(`/storage/${s.storage}, Datastore.Allocate`);
  }
  const raw = str(ctx.params, "volume")!;
  const volid = raw.includes(":") ? raw : `${s.storage}:${raw}`;
  const volume = state.findVolume(volid, node);
  if (!volume) throw handlerError(`volume '${volid}' does not exist`);
  const user = [...state.vms.values()].find((vm) => referencedVolids(vm.config).includes(volid));
  if (user) throw handlerError(`unable to delete volume '${volid}' - still used by VM ${user.vmid}`);
  return ctx.rt.tasks.spawn({
    node,
    type: "imgdel",
    id: "",
    owner: ownerOf(ctx.principal),
    finish: (t) => {
      state.removeVolume(volid, node);
      t.log(`Removed volume '${volid}'`);
    },
  });
}

export const storageRoutes: RouteDefinition[] = [
  {
    method: "GET",
    path: "/storage",
    handler: (ctx) =>
      [...ctx.rt.state.storages.values()].filter((s) => canSee(ctx, s.storage)).map(storageConfig),
  },
  {
    method: "GET",
    path: "/storage/{storage}",
    handler: (ctx) => storageConfig(ctx.rt.state.storage(str(ctx.params, "storage")!)),
  },
  { method: "GET", path: "/nodes/{node}/storage", handler: listStorages },
  {
    method: "GET",
    path: "/nodes/{node}/storage/{storage}",
    handler: (ctx) => {
      const node = str(ctx.params, "node")!;
      ctx.rt.state.node(node);
      ctx.rt.state.storage(str(ctx.params, "storage")!, node);
      const subdirs = ["content", "download-url", "file-restore", "import-metadata", "prunebackups"];
      return [...subdirs, "rrd", "rrddata", "status", "upload"].map((subdir) => ({ subdir }));
    },
  },
  { method: "GET", path: "/nodes/{node}/storage/{storage}/status", handler: storageStatus },
  { method: "GET", path: "/nodes/{node}/storage/{storage}/content", handler: listContent },
  { method: "DELETE", path: "/nodes/{node}/storage/{storage}/content/{volume}", handler: deleteVolume },
  { method: "POST", path: "/nodes/{node}/storage/{storage}/download-url", handler: downloadUrl },
];
