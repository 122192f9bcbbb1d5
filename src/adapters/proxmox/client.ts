/**
 * Builds the Proxmox port implementation from the `proxmox:` config: our engine under proxmox-api's typed
 * proxy, plus the version gate for start-up and /readyz.
 */
import { proxmoxApi } from "proxmox-api";
import { UserError } from "../../services/errors.js";
import type { Clock, Log } from "../../services/ports.js";
import type { Proxmox } from "../../services/proxmox.js";
import { actionMethods } from "./actions.js";
import { agentMethods } from "./agent.js";
import { caFileProblem, readCaFile } from "./ca-file.js";
import type { ProxmoxConfig } from "./config.js";
import { type ClientCore, makeCall } from "./core.js";
import { PveEngine } from "./engine.js";
import { readMethods } from "./reads.js";
import { taskMethods } from "./tasks.js";
import { createTransport } from "./transport.js";
import { updateMethods } from "./updates.js";
import { createVersionGate, type VersionGate } from "./version.js";

export interface ProxmoxClientDeps {
  log: Log;
  clock: Clock;
  /** Waits between polls and retries; tests pass a fast one. */
  sleep?: (ms: number) => Promise<void>;
  /** Reads tlsCaFile; injectable for tests. */
  readFile?: (path: string) => string;
  /** First GET retry delay (doubles each retry). Default 250 ms. */
  retryBaseMs?: number;
}

export interface ProxmoxClient extends Proxmox {
  readonly gate: VersionGate;
  /** Closes pooled connections. */
  close(): void;
}

/** Checked again here although `config check` did: the file may have changed since. */
function readCa(path: string, read?: (p: string) => string): string {
  const result = readCaFile(path, read);
  if (!result.ok) throw new UserError("E_CONFIG", `proxmox.tlsCaFile: ${caFileProblem(path, result.reason)}`);
  return result.pem;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function createProxmoxClient(config: ProxmoxConfig, deps: ProxmoxClientDeps): ProxmoxClient {
  const log = deps.log.child({ component: "proxmox" });
  const endpoint = config.url;
  const insecure = endpoint.startsWith("http://");
  if (insecure && !config.allowInsecureHttp) {
    throw new UserError(
      "E_CONFIG",
      "proxmox.url: plain http sends the API token unencrypted; set proxmox.allowInsecureHttp: true to allow it",
    );
  }
  if (insecure) {
    log.warn(
      { endpoint, tlsSettingsIgnored: Boolean(config.tlsFingerprint || config.tlsCaFile) },
      "proxmox.url uses plain http: the API token crosses the network unencrypted; use https outside a local simulator",
    );
  }
  const caPem = config.tlsCaFile ? readCa(config.tlsCaFile, deps.readFile) : undefined;
  const transport = createTransport(endpoint, { caPem, fingerprint: config.tlsFingerprint });
  const sleep = deps.sleep ?? realSleep;
  const engine = new PveEngine({
    transport,
    tokenId: config.tokenId,
    tokenSecret: config.tokenSecret,
    timeoutMs: config.timeouts.request,
    getRetries: config.getRetries,
    log,
    sleep,
    retryBaseMs: deps.retryBaseMs,
    retryBeforeFirstAnswer: !insecure,
  });
  const core: ClientCore = {
    api: proxmoxApi(engine),
    engine,
    endpoint,
    clock: deps.clock,
    sleep,
    taskTimeoutMs: config.timeouts.task,
    call: makeCall(endpoint),
  };
  const port: Proxmox = {
    endpoint,
    ...readMethods(core),
    ...taskMethods(core),
    ...actionMethods(core),
    ...agentMethods(core),
    ...updateMethods(core),
  };
  return {
    ...port,
    gate: createVersionGate(port, deps.clock, config.versionCacheTtl),
    close: transport.close,
  };
}
