/**
 * Checks that decide whether the bot may start at all. Fail closed: a bot that cannot reach Proxmox, whose
 * chat token is refused or whose Redis refuses it must not come up and report itself ready; it exits with
 * 1 and one line saying why, and its supervisor restarts it once the cause is fixed.
 */
import { PveNetworkError } from "../adapters/proxmox/errors.js";
import { isSupported, MIN_RELEASE } from "../adapters/proxmox/version.js";
import type { Proxmox, PveVersion } from "../services/proxmox.js";

/** A start-up failure whose message is the one line the operator sees. */
export class StartError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StartError";
  }
}

/** The error as one line: its message only, whitespace collapsed; never a stack. */
export function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s+/g, " ").trim() || (err instanceof Error ? err.name : "unknown error");
}

/**
 * Connection failures where no request left the machine (nobody listening, no route, no such host), so
 * trying again sends nothing twice, least of all the token over plain http.
 */
const NOTHING_SENT = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);

function nothingWasSent(err: unknown): boolean {
  const cause = err instanceof Error ? err.cause : undefined;
  const network = cause instanceof PveNetworkError ? cause : err instanceof PveNetworkError ? err : undefined;
  return network !== undefined && network.failure === "connect" && NOTHING_SENT.has(network.code);
}

export interface WaitForProxmoxOptions {
  /** How long Proxmox may take to accept a connection; configured as `proxmox.timeouts.start`. */
  timeoutMs: number;
  /** Pause between attempts that could not connect; default 500 ms. */
  retryDelayMs?: number;
  now?: () => number;
}

const TIMED_OUT = Symbol("timed out");

/**
 * Resolves with the PVE version once Proxmox answers `GET /version` with a supported release. Connection
 * refusals are retried until the start timeout; any answer that says no (401, a certificate that is not
 * trusted, a release older than 8.4) fails at once, since waiting would not change it.
 */
export async function waitForProxmox(proxmox: Proxmox, options: WaitForProxmoxOptions): Promise<PveVersion> {
  const now = options.now ?? (() => performance.now());
  const deadline = now() + options.timeoutMs;
  const seconds = `${Math.round(options.timeoutMs / 100) / 10} s`;
  let last = "no attempt finished";
  for (;;) {
    const remaining = deadline - now();
    if (remaining <= 0) {
      throw new StartError(
        `Proxmox at ${proxmox.endpoint} was not reachable within ${seconds} (proxmox.timeouts.start): ${last}`,
      );
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMED_OUT), remaining);
    });
    try {
      const version = await Promise.race([proxmox.version(), timeout]);
      if (version === TIMED_OUT) {
        throw new StartError(
          `Proxmox at ${proxmox.endpoint} did not answer within ${seconds} (proxmox.timeouts.start)`,
        );
      }
      if (!isSupported(version)) {
        throw new StartError(
          `Proxmox VE ${version.version || version.release} at ${proxmox.endpoint} is too old; ` +
            `this bot needs ${MIN_RELEASE.major}.${MIN_RELEASE.minor} or newer`,
        );
      }
      return version;
    } catch (err) {
      if (err instanceof StartError || !nothingWasSent(err)) throw asStartError(err);
      last = oneLine(err);
    } finally {
      clearTimeout(timer);
    }
    const pause = Math.min(options.retryDelayMs ?? 500, Math.max(0, deadline - now()));
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

function asStartError(err: unknown): StartError {
  return err instanceof StartError ? err : new StartError(oneLine(err), { cause: err });
}
