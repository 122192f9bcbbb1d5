import { createHash } from "node:crypto";
import { handlerError, paramErrorFor, TaskFailure } from "../errors.js";
import { qemuImgInfo } from "../state/qemu-img.js";
import type { StorageState } from "../state/types.js";
import { fetchUrl } from "./fetch-url.js";
import { num, ownerOf, type RequestContext, str } from "./types.js";

const FILE_BASED = new Set(["dir", "nfs"]);
/** pve-storage `ISO_EXT_RE_0`, `VZTMPL_EXT_RE_1`, `UPLOAD_IMPORT_EXT_RE_1`, with their wording. */
const EXTENSIONS: Record<string, { re: RegExp; error: string }> = {
  import: { re: /^[a-zA-Z0-9\-.+=_]+\.(ova|qcow2|raw|vmdk)$/, error: "invalid filename or wrong extension" },
  iso: { re: /[^/]+\.(iso|img)$/i, error: "wrong file extension" },
  vztmpl: { re: /[^/]+\.tar\.(gz|xz|zst|bz2)$/, error: "wrong file extension" },
};
const SUBDIR: Record<string, string> = { import: "import", iso: "template/iso", vztmpl: "template/cache" };

/** pve-storage `normalize_content_filename`: the last path component, other characters become `_`. */
export function normalizeContentFilename(filename: string): string {
  return filename
    .replace(/\n$/, "")
    .replace(/^.*[/\\]/, "")
    .replace(/[^a-zA-Z0-9_.-]/g, "_");
}

function digest(algorithm: string, bytes: Buffer): string {
  return createHash(algorithm).update(bytes).digest("hex");
}

function pidOf(upid: string): number {
  return Number.parseInt(upid.split(":")[2] ?? "0", 16);
}

/**
 * download-url as pve-storage and pve-common's `download_file_from_url` do it: the worker fetches the URL
 * into a temporary file, verifies the checksum (`checksum mismatch: got … != expect …`), runs
 * `qemu-img info` with the format the extension names (content of another format or a backing file
 * fails), and only then does the file appear under its normalised name. Nothing is left on failure.
 */
export function downloadUrl(ctx: RequestContext) {
  const node = str(ctx.params, "node")!;
  const { state } = ctx.rt;
  state.node(node);
  const s: StorageState = state.storage(str(ctx.params, "storage")!, node);
  const content = str(ctx.params, "content")!;
  const url = str(ctx.params, "url")!;
  if (!FILE_BASED.has(s.type)) {
    throw handlerError(`can't upload to storage type '${s.type}', not a file based storage!`);
  }
  if (!s.content.includes(content)) {
    throw handlerError(`storage '${s.storage}' is not configured for content-type '${content}'`);
  }
  const filename = normalizeContentFilename(str(ctx.params, "filename")!);
  const rule = EXTENSIONS[content]!;
  const ext = rule.re.exec(filename);
  if (!ext) throw paramErrorFor("filename", rule.error);
  const imageFormat = content === "import" && ext[1] !== "ova" ? ext[1]! : undefined;
  const compression = str(ctx.params, "compression");
  const checksum = str(ctx.params, "checksum");
  const algorithm = str(ctx.params, "checksum-algorithm");
  const verify = num(ctx.params, "verify-certificates") !== 0;
  const volid = `${s.storage}:${content}/${filename}`;
  const dest = `${s.path ?? `/mnt/pve/${s.storage}`}/${SUBDIR[content]}/${filename}`;
  let skip = false;
  return ctx.rt.tasks.spawn({
    node,
    type: "download",
    id: filename.replace(/[^-_.\w]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`),
    owner: ownerOf(ctx.principal),
    start: (t) => {
      if (compression && content !== "iso")
        throw new TaskFailure(`decompression not supported for ${content}`);
      t.log(`downloading ${url} to ${dest}`);
      const existing = state.findVolume(volid, node);
      if (!existing) return;
      if (!checksum || !algorithm) throw new TaskFailure(`refusing to override existing file '${dest}'`);
      const got = existing.data ? digest(algorithm, existing.data) : (existing.source?.checksum ?? "");
      t.log("calculating checksum of existing file...");
      if (got.toLowerCase() !== checksum.toLowerCase()) {
        throw new TaskFailure(`checksum mismatch: got '${got}' != expect '${checksum}', aborting`);
      }
      t.log("OK, got correct file already, no need to download");
      skip = true;
    },
    finish: async (t) => {
      if (skip) return;
      const tmp = `${dest}.tmp_dwnl.${pidOf(t.upid)}`;
      const fetched = await fetchUrl(url, verify);
      if (!fetched.ok) {
        for (const line of fetched.log) t.log(line);
        throw new TaskFailure(
          `download failed: command 'wget --progress=dot:giga -O ${tmp} ${url}' failed: exit code ${fetched.exitCode}`,
        );
      }
      if (checksum && algorithm) {
        t.log("calculating checksum...");
        const got = digest(algorithm, fetched.bytes);
        if (got.toLowerCase() !== checksum.toLowerCase()) {
          throw new TaskFailure(`checksum mismatch: got '${got}' != expect '${checksum}'`);
        }
        t.log("OK, checksum verified");
      }
      let virtualSize: number | undefined;
      if (imageFormat) {
        const checked = qemuImgInfo(fetched.bytes, imageFormat, tmp);
        if (!checked.ok) throw new TaskFailure(`failed to verify file: ${checked.error}`);
        if (checked.info.backingFile) {
          throw new TaskFailure(
            `failed to verify file: backing file not allowed for untrusted image '${tmp}'!`,
          );
        }
        virtualSize = checked.info.virtualSize;
      }
      t.log(`download of '${url}' to '${dest}' finished`);
      state.addVolume({
        volid,
        storage: s.storage,
        node: s.shared ? undefined : node,
        content,
        format: imageFormat ?? (content === "import" ? "ova" : content),
        size: fetched.bytes.length,
        ...(virtualSize !== undefined ? { virtualSize } : {}),
        ctime: Math.floor(state.nowMs() / 1000),
        data: fetched.bytes,
        source: { url, checksum, algorithm },
      });
    },
  });
}
