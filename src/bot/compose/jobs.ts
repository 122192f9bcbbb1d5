/**
 * Jobs: which job types this build runs, and the BullMQ queue, worker and template schedule that share
 * one connection, key prefix and queue name. A chat front-end only enqueues; a process with
 * `jobs.runWorker` also runs the worker (and, with Proxmox, the template schedule).
 */

import { BullJobQueue } from "../../adapters/queue/bull-job-queue.js";
import {
  bullPrefixFor,
  closeQueueConnection,
  healthFor,
  type QueueConnection,
  queueConnection,
} from "../../adapters/queue/connection.js";
import {
  type JobWorkerHandle,
  type JobWorkerOptions,
  startJobWorker,
} from "../../adapters/queue/job-worker.js";
import { startTemplateSchedule } from "../../adapters/queue/template-schedule.js";
import type { RedisHealth } from "../../adapters/store/redis-health.js";
import { createJobRegistry, type JobDefinition, type JobRegistry } from "../../services/jobs/definition.js";
import type {
  ApprovalRequester,
  AuditLog,
  Clock,
  JobQueue,
  Log,
  NotifierByPlatform,
} from "../../services/ports.js";
import type { ProvisionServices } from "../../services/provision/deps.js";
import { createVmCreateJob } from "../../services/provision/job.js";
import type { TemplateServices } from "../../services/templates/build/deps.js";
import { createTemplateBuildJob } from "../../services/templates/build/job.js";
import { createTemplateMatrixJob } from "../../services/templates/build/matrix-job.js";
import { createUpdateApplyJob } from "../../services/updates/apply-job.js";
import type { UpdateServices } from "../../services/updates/deps.js";
import type { Config } from "../config/schema.js";

/** Every job type this build can run besides the template jobs; listed by hand like the commands. */
export const JOB_DEFINITIONS: readonly JobDefinition[] = [];

/** BullMQ queue name; every front-end and worker of one deployment shares it. */
export const QUEUE_NAME = "jobs";

export interface JobDefinitionsInput {
  /** The template services; without them (no Proxmox) there are no template jobs. */
  templates?: TemplateServices;
  /** The provisioning services (vm create); absent without Proxmox. */
  provision?: ProvisionServices;
  notifiers: NotifierByPlatform;
  /** How the template refresh asks a second person to approve its prune. */
  approvals?: ApprovalRequester;
  /** Minimum time between edits of a matrix summary table; the job's default when omitted. */
  matrixEditIntervalMs?: number;
  /** Guest updates; without them (no Proxmox) there is no update job. */
  updates?: UpdateServices;
}

export function jobDefinitions(input: JobDefinitionsInput): JobDefinition[] {
  const { templates } = input;
  return [
    ...JOB_DEFINITIONS,
    ...(templates
      ? [
          createTemplateBuildJob(templates),
          createTemplateMatrixJob({
            ...templates,
            notifiers: input.notifiers,
            approvals: input.approvals,
            editIntervalMs: input.matrixEditIntervalMs,
          }),
        ]
      : []),
    ...(input.provision ? [createVmCreateJob(input.provision)] : []),
    ...(input.updates
      ? [
          createUpdateApplyJob({
            updates: input.updates,
            notifiers: input.notifiers,
            editIntervalMs: input.matrixEditIntervalMs,
          }),
        ]
      : []),
  ];
}

export interface JobsInput {
  redisUrl: string;
  /** The deployment's key prefix; BullMQ's keys go under `<prefix>bull`. */
  keyPrefix: string;
  definitions: readonly JobDefinition[];
  notifiers: NotifierByPlatform;
  clock: Clock;
  log: Log;
  redisHealth?: RedisHealth;
}

/** What the queue, the worker and the schedule of one deployment share. */
export interface JobsSettings {
  /** Options for one server or Sentinel; a shared client for a Cluster (see `releaseJobsConnection`). */
  connection: QueueConnection;
  prefix: string;
  queueName: string;
  notifiers: NotifierByPlatform;
  registry: JobRegistry;
  clock: Clock;
  log: Log;
  redisHealth?: RedisHealth;
}

export function jobsSettings(input: JobsInput): JobsSettings {
  return {
    connection: queueConnection(input.redisUrl, healthFor(input.redisHealth, input.log)),
    prefix: bullPrefixFor(input.keyPrefix),
    queueName: QUEUE_NAME,
    notifiers: input.notifiers,
    registry: createJobRegistry(input.definitions),
    clock: input.clock,
    log: input.log.child({ component: "jobs" }),
    redisHealth: input.redisHealth,
  };
}

/** Closes the Cluster client the settings hold, after the queue, worker and schedules have closed. */
export function releaseJobsConnection(settings: JobsSettings): Promise<void> {
  return closeQueueConnection(settings.connection);
}

export interface JobQueueSettings {
  /** Tries a job gets, and the first pause before a retry. */
  attempts: number;
  backoffMs: number;
  /** Where job outcomes are audited. */
  audit?: AuditLog;
  /** How often `waitUntilFinished` looks at a job; tests shorten it. */
  pollIntervalMs?: number;
}

export function createJobQueue(settings: JobsSettings, options: JobQueueSettings): BullJobQueue {
  return new BullJobQueue({ ...settings, ...options });
}

/** The worker's own settings; the rest (cancel polling, lock and stall timings) are tuning for tests. */
export type WorkerSettings = Omit<JobWorkerOptions, keyof JobsSettings> &
  Partial<Pick<JobWorkerOptions, "registry" | "notifiers" | "log">>;

export function startWorker(settings: JobsSettings, options: WorkerSettings): JobWorkerHandle {
  return startJobWorker({ ...settings, ...options });
}

/** The `jobs` config section as the queue and the worker take it. */
export function queueSettingsFrom(config: Config, audit: AuditLog): JobQueueSettings {
  return { attempts: config.jobs.attempts, backoffMs: config.jobs.backoff, audit };
}

export function workerSettingsFrom(config: Config, audit: AuditLog): WorkerSettings {
  const { stallTimeout, maxStalls } = config.jobs;
  return {
    audit,
    concurrency: config.jobs.concurrency,
    progressInterval: config.jobs.progressInterval,
    ...(stallTimeout !== undefined ? { lockDurationMs: stallTimeout, stalledIntervalMs: stallTimeout } : {}),
    ...(maxStalls !== undefined ? { maxStalledCount: maxStalls } : {}),
  };
}

/**
 * Registers (or, without `templates.schedule`, removes) the scheduled template refresh, whose ticks start
 * refresh jobs on `jobs`.
 */
export function startSchedule(
  settings: JobsSettings,
  schedule: Config["templates"]["schedule"],
  jobs: JobQueue,
  log: Log,
): Promise<{ close(): Promise<void> }> {
  return startTemplateSchedule({
    connection: settings.connection,
    prefix: settings.prefix,
    ...(schedule
      ? { repeat: { pattern: schedule.cron, ...(schedule.timezone ? { tz: schedule.timezone } : {}) } }
      : {}),
    channel: schedule?.channel ?? "",
    jobs,
    log: log.child({ component: "template-schedule" }),
    redisHealth: settings.redisHealth,
  });
}
