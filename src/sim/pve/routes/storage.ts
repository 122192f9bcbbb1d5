import { createHash } from "node:crypto";
import { hasPrivilege } from "../auth/acl.js";
import { handlerError, paramErrorFor, permissionError, TaskFailure } from "../errors.js";
import { referencedVolids } from "../state/disks.js";
import type { StorageState, VolumeState } from "../state/types.js";
import { num, ownerOf, type RequestContext, type RouteDefinition, str } from "./types.js";

const FILE_BASED = new Set(["dir", "nfs"]);
/** pve-storage `ISO_EXT_RE_0`, `VZTMPL_EXT_RE_1`, `UPLOAD_IMPORT_EXT_RE_1`, with their wording. */
const EXTENSIONS: Record<string, { re: RegExp; error: string }> = {
  import: { re: /^[a-zA-Z0-9\-.+=_]+\.(ova|qcow2|raw|vmdk)$/, error: "invalid filename or wrong extension" },
  iso: { re: /[^/]+\.(iso|img)$/i, error: "wrong file extension" },
  vztmpl: { re: /[^/]+\.tar\.(gz|xz|zst|bz2)$/, error: "wrong file extension" },
};
const CHECKSUM_HEX: Record<string, number> = {
  md5: 32,
  sha1: 40,
  sha224: 56,
  sha256: 64,
  sha384: 96,
  sha512: 128,
};
const SUBDIR: Record<string, string> = { import: "import", iso: "template/iso", vztmpl: "template/cache" };

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

/** Pseudo size derived from the URL, so repeated runs give the same volume. */
function pseudoSize(url: string): number {
  const h = createHash("sha256").update(url).digest();
  return (256 + (h.readUInt16BE(0) % 512)) * 1024 * 1024;
}

/**
 * download-url: nothing is fetched. The request, the checksum and the would-be file are recorded,
 * and the volume appears when the task ends, with pve-storage's filename and content-type rules.
 */
function downloadUrl(ctx: RequestContext) {
  const node = str(ctx.params, "node")!;
  const { state } = ctx.rt;
  state.node(node);
  const s = state.storage(str(ctx.params, "storage")!, node);
  const content = str(ctx.params, "content")!;
  const url = str(ctx.params, "url")!;
  if (!FILE_BASED.has(s.type)) {
    throw handlerError(`can't upload to storage type '${s.type}', not a file based storage!`);
  }
  if (!s.content.includes(content)) {
    throw handlerError(`storage '${s.storage}' is not configured for content-type '${content}'`);
  }
  const filename = (str(ctx.params, "filename")!.split("/").pop() ?? "").replace(/[^a-zA-Z0-9\-.+=_]/g, "_");
  const rule = EXTENSIONS[content]!;
  if (!rule.re.test(filename)) throw paramErrorFor("filename", rule.error);
  const compression = str(ctx.params, "compression");
  const checksum = str(ctx.params, "checksum");
  const algorithm = str(ctx.params, "checksum-algorithm");
  const volid = `${s.storage}:${content}/${filename}`;
  const filePath = `${s.path ?? `/mnt/pve/${s.storage}`}/${SUBDIR[content]}/${filename}`;
  let skip = false;
  return ctx.rt.tasks.spawn({
    node,
    type: "download",
    id: filename.replace(/[^-_.\w]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`),
    owner: ownerOf(ctx.principal),
    start: (t) => {
      if (compression && content !== "iso")
        throw new TaskFailure(`decompression not supported for ${content}`);
      const existing = state.findVolume(volid, node);
      if (existing) {
        if (!checksum) throw new TaskFailure(`refusing to override existing file '${filePath}'`);
        if (existing.source?.checksum?.toLowerCase() !== checksum.toLowerCase()) {
          throw new TaskFailure(
            `checksum mismatch: got '${existing.source?.checksum ?? "unknown"}' != expect '${checksum}'`,
          );
        }
        t.log(`file '${filePath}' already exists, verifying checksum`);
        t.log("got correct file already, no need to download");
        skip = true;
        return;
      }
      t.log(`downloading ${url} to ${filePath}`);
    },
    finish: (t) => {
      if (skip) return;
      if (checksum && algorithm) {
        const expected = CHECKSUM_HEX[algorithm];
        t.log(`calculating checksum...`);
        if (!/^[0-9a-fA-F]+$/.test(checksum) || checksum.length !== expected) {
          throw new TaskFailure(
            `checksum mismatch: got '${"0".repeat(expected ?? 64)}' != expect '${checksum}'`,
          );
        }
        t.log("checksum verified");
      }
      t.log(`download of '${url}' to '${filePath}' finished`);
      state.addVolume({
        volid,
        storage: s.storage,
        node: s.shared ? undefined : node,
        content,
        format: content === "import" ? (filename.split(".").pop() ?? "raw") : content,
        size: pseudoSize(url),
        ctime: Math.floor(state.nowMs() / 1000),
        source: { url, checksum, algorithm },
      });
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
