/**
 * Where the console puts the full text of a reply that its message had to cut (rows beyond the page,
 * shortened cells): a file in a directory only this user can write to, named after the message, so the
 * path printed in a transcript is the same on every run. A directory that is not a private directory of
 * this user (a symlink, someone else's, open to others) is refused, so nobody can redirect the write.
 */
import { lstatSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The default directory: one per user under the system's temporary directory. */
export function defaultFilesDir(): string {
  const uid = process.getuid?.();
  return join(tmpdir(), `proxmox-chatops-console${uid === undefined ? "" : `-${uid}`}`);
}

export type SaveResult = { ok: true; path: string } | { ok: false; reason: string };

export function saveFile(dir: string, name: string, content: string): SaveResult {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    const uid = process.getuid?.();
    if (!st.isDirectory()) return { ok: false, reason: `${dir} is not a directory` };
    if (uid !== undefined && (st.uid !== uid || (st.mode & 0o077) !== 0)) {
      return { ok: false, reason: `${dir} must be a directory of this user that others cannot open (0700)` };
    }
    const path = join(dir, name);
    writeFileSync(path, content, { mode: 0o600 });
    return { ok: true, path };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}
