/** What the `vm.create` job and the VM commands use: the outside world, config and timings. */
import type { JobRunContext } from "../jobs/definition.js";
import type { Semaphore, VmidReservations } from "../locks/ports.js";
import type { Clock } from "../ports.js";
import type { Proxmox } from "../proxmox.js";
import { realSleep, type Sleep, type TaskFollower } from "../tasks/follow-task.js";
import type { TemplateServices } from "../templates/build/deps.js";
import type { ProvisionConfig } from "./config.js";
import { Pacer } from "./pacer.js";
import type { VmCreateRequest } from "./request.js";

export interface ProvisionServices {
  proxmox: Proxmox;
  reservations: VmidReservations;
  /**
   * The Redis-backed node slots (`provision:<node>`, limit `provision.perNode`), so the limit holds
   * across every `vm create` job of every worker process, not only inside one job.
   */
  semaphore: Semaphore;
  /** Slot lease, renewed while the VM's step runs; a killed worker's slot frees after it. Default 60 s. */
  leaseMs?: number;
  follower: TaskFollower;
  clock: Clock;
  config: ProvisionConfig;
  /** The bot's pool (templates.pool): new VMs go there, and only VMs there may be deleted. */
  pool: string;
  /** Named public keys (templates.sshKeys), which `--ssh-key` and profiles refer to. */
  sshKeys: Readonly<Record<string, string>>;
  sleep: Sleep;
  /** Pause before looking for the effect of a request whose answer was lost; default 2 s. */
  settleMs?: number;
  /** Longest pause between agent and exec-status polls; default 1 s. */
  pollMs?: number;
  /** Paces agent and post-boot polls from what earlier VMs took. */
  pacer: Pacer;
  /** How long a VMID reservation lives without the job finishing; default 2 h. */
  reservationTtlMs?: number;
}

export type CreateContext = JobRunContext<VmCreateRequest>;

/** Provisioning shares the template services' Proxmox client, reservations, follower and clock. */
export function provisionServices(
  templates: TemplateServices,
  config: ProvisionConfig,
  tuning: Partial<Pick<ProvisionServices, "settleMs" | "pollMs" | "reservationTtlMs" | "sleep">> = {},
): ProvisionServices {
  return {
    proxmox: templates.proxmox,
    reservations: templates.reservations,
    semaphore: templates.semaphore,
    ...(templates.leaseMs !== undefined ? { leaseMs: templates.leaseMs } : {}),
    follower: templates.follower,
    clock: templates.clock,
    config,
    pool: templates.config.pool,
    sshKeys: templates.config.sshKeys,
    sleep: tuning.sleep ?? templates.sleep ?? realSleep,
    pacer: new Pacer(tuning.pollMs ?? 1000),
    settleMs: tuning.settleMs ?? templates.settleMs,
    ...(tuning.pollMs !== undefined ? { pollMs: tuning.pollMs } : {}),
    ...(tuning.reservationTtlMs !== undefined ? { reservationTtlMs: tuning.reservationTtlMs } : {}),
  };
}
