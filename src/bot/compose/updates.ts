/** The guest-update services: the Proxmox port, the `updates` config, the wait pacer and the probes. */
import { createHealthProbes } from "../../adapters/net/health-probes.js";
import { startUpdateWindows } from "../../adapters/queue/update-windows.js";
import type { ApprovalRequester, Clock, JobQueue, Log } from "../../services/ports.js";
import type { Proxmox } from "../../services/proxmox.js";
import { realSleep } from "../../services/tasks/follow-task.js";
import type { UpdatesConfig } from "../../services/updates/config.js";
import type { UpdateServices } from "../../services/updates/deps.js";
import { Pacer } from "../../services/updates/pacer.js";
import type { JobsSettings } from "./jobs.js";

export interface UpdateServicesInput {
  proxmox: Proxmox;
  config: UpdatesConfig;
  clock: Clock;
  log: Log;
}

export function createUpdateServices(input: UpdateServicesInput): UpdateServices {
  return {
    proxmox: input.proxmox,
    config: input.config,
    clock: input.clock,
    probes: createHealthProbes(),
    pacer: new Pacer(input.clock, realSleep),
    log: input.log.child({ component: "updates" }),
  };
}

/** Registers the maintenance windows of `updates.windows` (and removes the ones no longer there). */
export function startWindowSchedule(
  settings: JobsSettings,
  input: { updates: UpdateServices; jobs: JobQueue; approvals?: ApprovalRequester },
): Promise<{ close(): Promise<void> }> {
  return startUpdateWindows({
    connection: settings.connection,
    prefix: settings.prefix,
    windows: input.updates.config.windows,
    updates: input.updates,
    jobs: input.jobs,
    notifiers: settings.notifiers,
    ...(input.approvals ? { approvals: input.approvals } : {}),
    clock: settings.clock,
    log: settings.log.child({ component: "update-windows" }),
    redisHealth: settings.redisHealth,
  });
}
