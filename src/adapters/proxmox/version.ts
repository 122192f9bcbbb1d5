/**
 * The PVE version gate, used at start and by /readyz. The bot relies on PVE ≥ 8.4: `download-url` with
 * content `import` (8.3), `Sys.AccessNetwork` (8.2) and error messages in the JSON body (8.4 era).
 * Results are cached so a readiness probe every few seconds costs one request per TTL.
 */
import type { Clock } from "../../services/ports.js";
import { type Proxmox, ProxmoxError, type PveVersion } from "../../services/proxmox.js";

export const MIN_RELEASE = { major: 8, minor: 4 } as const;
/** A failed probe is cached for at most this long, so recovery shows quickly. */
const FAILURE_TTL_MS = 5_000;

export function parseRelease(v: PveVersion): { major: number; minor: number } | undefined {
  const m = /^(\d+)\.(\d+)/.exec(v.release) ?? /^(\d+)\.(\d+)/.exec(v.version);
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : undefined;
}

export function isSupported(v: PveVersion): boolean {
  const r = parseRelease(v);
  if (!r) return false;
  return r.major > MIN_RELEASE.major || (r.major === MIN_RELEASE.major && r.minor >= MIN_RELEASE.minor);
}

export interface Readiness {
  ok: boolean;
  detail: string;
}

export interface VersionGate {
  /** Throws a ProxmoxError when PVE is unreachable or older than 8.4; for the start of the bot. */
  require(): Promise<PveVersion>;
  /** For the readiness checks behind `/readyz`: never throws. */
  readiness(): Promise<Readiness>;
}

export function createVersionGate(proxmox: Proxmox, clock: Clock, ttlMs = 30_000): VersionGate {
  let cached: { at: number; ttl: number; result: PveVersion | ProxmoxError | Error } | undefined;

  const probe = async (): Promise<PveVersion> => {
    const now = clock.now();
    if (cached && now - cached.at < cached.ttl) {
      if (cached.result instanceof Error) throw cached.result;
      return cached.result;
    }
    try {
      const version = await proxmox.version();
      if (!isSupported(version)) {
        throw new ProxmoxError(
          "E_PVE",
          `Proxmox VE ${version.version || version.release || "(unknown version)"} found at ${proxmox.endpoint}; ` +
            `this bot needs ${MIN_RELEASE.major}.${MIN_RELEASE.minor} or newer. Upgrade the node.`,
        );
      }
      cached = { at: now, ttl: ttlMs, result: version };
      return version;
    } catch (err) {
      cached = { at: now, ttl: Math.min(ttlMs, FAILURE_TTL_MS), result: err as Error };
      throw err;
    }
  };

  return {
    require: probe,
    readiness: async () => {
      try {
        const v = await probe();
        return { ok: true, detail: `Proxmox VE ${v.version} at ${proxmox.endpoint}` };
      } catch (err) {
        return { ok: false, detail: err instanceof Error ? err.message : String(err) };
      }
    },
  };
}
