/** What the update services share: the Proxmox port, the config, the clock and the outside checks. */
import type { Clock, Log } from "../ports.js";
import type { Proxmox } from "../proxmox.js";
import type { UpdatesConfig } from "./config.js";
import type { Pacer } from "./pacer.js";

/** Health checks the bot itself runs against a VM's address (HTTP GET, TCP connect). */
export interface HealthProbes {
  /** Resolves with the HTTP status; rejects when no answer came within `timeoutMs`. */
  http(url: string, timeoutMs: number): Promise<number>;
  /** Resolves when the port accepts a connection; rejects with the reason otherwise. */
  tcp(host: string, port: number, timeoutMs: number): Promise<void>;
}

export interface UpdateServices {
  proxmox: Proxmox;
  config: UpdatesConfig;
  clock: Clock;
  probes: HealthProbes;
  /** Paces waits for guest commands and the agent (one per process, so durations are learned once). */
  pacer: Pacer;
  log?: Log;
}
