/**
 * What every group of client methods shares: the typed proxmox-api proxy over our engine, the error
 * mapping, and the injected clock and sleep.
 */
import type { Proxmox as Lib } from "proxmox-api";
import type { Clock } from "../../services/ports.js";
import type { PveEngine } from "./engine.js";
import { toProxmoxError } from "./map-errors.js";

export interface ClientCore {
  api: Lib.Api;
  engine: PveEngine;
  /** Base URL without credentials, for messages. */
  endpoint: string;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
  taskTimeoutMs: number;
  /** Runs one PVE call; failures become ProxmoxErrors that say `action`. */
  call<T>(action: string, fn: () => Promise<T>): Promise<T>;
}

export function makeCall(endpoint: string): ClientCore["call"] {
  return async (action, fn) => {
    try {
      return await fn();
    } catch (err) {
      throw toProxmoxError(err, action, endpoint);
    }
  };
}
