/**
 * Turns transport and API failures into `ProxmoxError`s whose message says what failed, quotes PVE, and
 * names what to check. Inputs never carry secrets (see errors.ts), so neither do the messages.
 */
import { UserError } from "../../services/errors.js";
import { ProxmoxError } from "../../services/proxmox.js";
import { PveApiError, PveNetworkError } from "./errors.js";

const LOCKED = /^VM is locked \(|^CT is locked \(|can't lock file '.*' - got timeout/;

function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

function fieldErrors(errors: Record<string, string>): string {
  const entries = Object.entries(errors);
  if (entries.length === 0) return "";
  return ` (${entries.map(([k, v]) => `${k}: ${v.replace(/\s+/g, " ")}`).join("; ")})`;
}

/**
 * @param action what the bot was doing, as a verb phrase: "read the config of VM 100 on pve1".
 * @param endpoint the configured base URL, shown for network and TLS failures.
 */
export function toProxmoxError(err: unknown, action: string, endpoint: string): Error {
  if (err instanceof UserError) return err;
  if (err instanceof PveApiError) return fromApi(err, action);
  if (err instanceof PveNetworkError) return fromNetwork(err, action, endpoint);
  return err instanceof Error ? err : new Error(String(err));
}

function fromApi(err: PveApiError, action: string): ProxmoxError {
  const details = { status: err.status, pveMessage: err.message, pveErrors: err.errors, cause: err };
  const pve = err.message;
  if (err.status === 401) {
    return new ProxmoxError(
      "E_PVE_PERMISSION",
      `Proxmox refused the bot's API token while trying to ${action} (401 ${sentence(pve)}) ` +
        "Check proxmox.tokenId and the token secret, and that the token was not removed or expired.",
      details,
    );
  }
  if (err.status === 403) {
    return new ProxmoxError(
      "E_PVE_PERMISSION",
      `Proxmox denied permission to ${action}: ${sentence(pve)} ` +
        "Grant that privilege on that path to both the bot's user and its API token (privilege separation); " +
        "see docs/PROXMOX.md.",
      details,
    );
  }
  if (LOCKED.test(pve)) {
    return new ProxmoxError(
      "E_PVE_LOCKED",
      `Could not ${action}: ${sentence(pve)} Another task holds the lock; wait for it to finish ` +
        "(the node's task list shows it) and try again.",
      { ...details, transient: true },
    );
  }
  if (err.status === 400) {
    return new ProxmoxError(
      "E_PVE",
      `Proxmox rejected the request to ${action}: ${pve.replace(/\.$/, "")}${fieldErrors(err.errors)}. ` +
        "Check the values given.",
      details,
    );
  }
  if (err.status === 501) {
    return new ProxmoxError(
      "E_PVE",
      `Proxmox does not offer the API call used to ${action} (${sentence(pve)}) ` +
        "The node may run an older Proxmox VE; 8.4 or newer is supported.",
      details,
    );
  }
  if (err.status === 595 || err.status === 596) {
    return new ProxmoxError(
      "E_PVE_UNREACHABLE",
      `Proxmox could not reach the cluster node needed to ${action}: ${sentence(pve)} ` +
        "Check that node is online in the cluster.",
      { ...details, transient: true },
    );
  }
  return new ProxmoxError("E_PVE", `Proxmox could not ${action}: ${sentence(pve)}`, {
    ...details,
    transient: err.status === 502 || err.status === 503 || err.status === 504,
  });
}

function fromNetwork(err: PveNetworkError, action: string, endpoint: string): ProxmoxError {
  const details = { cause: err };
  switch (err.failure) {
    case "tls":
      return new ProxmoxError(
        "E_PVE_TLS",
        `Proxmox at ${endpoint} presented a certificate the bot does not trust, so it did not ${action} ` +
          `(${err.code}: ${err.detail}). Check proxmox.tlsFingerprint (PVE: node → System → Certificates) ` +
          "or proxmox.tlsCaFile (/etc/pve/pve-root-ca.pem on the node).",
        details,
      );
    case "protocol":
      return new ProxmoxError(
        "E_PVE",
        `${endpoint} did not answer like a Proxmox VE API when asked to ${action} (${err.detail}). ` +
          "Check proxmox.url: scheme, host and port 8006.",
        details,
      );
    default:
      return new ProxmoxError(
        "E_PVE_UNREACHABLE",
        `Proxmox at ${endpoint} did not answer when asked to ${action} ` +
          `(${err.code}: ${err.failure === "timeout" ? err.detail : "connection failed"}). ` +
          "Check that the node is up and that proxmox.url (host and port) is right.",
        { ...details, transient: true },
      );
  }
}
