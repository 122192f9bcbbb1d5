/**
 * The command pipeline in two steps. `createCommandCore` makes what both typed commands and jobs need to
 * open approvals: the command registry, the approval policy, the audit retry buffer and the approval
 * requester (jobs ask for destructive follow-ups through the same path as typed commands). Once the job
 * queue exists, `createCommandServices` makes the services (and hands them to the requester, which
 * resolves a command's target with them when a job asks), and `createDispatcher` joins the core, the
 * command services and the metrics into the dispatcher the chat front-ends call.
 */
import type { CommandDefinition, CommandServices } from "../../commands/definition.js";
import { CommandRegistry } from "../../commands/registry.js";
import { type ApprovalsSettings, policyFor } from "../../services/approvals/index.js";
import type { ApprovalPolicy } from "../../services/approvals/model.js";
import { AuditRetryBuffer, type AuditRetryBufferOptions } from "../../services/audit/retry-buffer.js";
import type { ApprovalRequester, Clock, JobQueue, Log, NotifierByPlatform } from "../../services/ports.js";
import type { ProvisionServices } from "../../services/provision/deps.js";
import type { Proxmox } from "../../services/proxmox.js";
import { Rbac, type RbacConfig } from "../../services/rbac.js";
import type { TemplateServices } from "../../services/templates/build/deps.js";
import type { ImageCatalog } from "../../services/templates/catalog/catalog.js";
import type { UpdateServices } from "../../services/updates/deps.js";
import { createApprovalRequester } from "../pipeline/approval-open.js";
import { Autocompleter } from "../pipeline/autocomplete.js";
import { Dispatcher } from "../pipeline/dispatcher.js";
import { type SuggestSources, serviceSources } from "../pipeline/suggest-sources.js";
import type { ActionRoute, PipelineMetrics } from "../pipeline/types.js";
import type { RequestScope } from "../request-scope.js";
import type { Stores } from "./stores.js";

export interface CommandCoreInput {
  commands: readonly CommandDefinition[];
  stores: Pick<Stores, "approvals" | "audit">;
  notifiers: NotifierByPlatform;
  /** The `approvals` config section, or a policy function (tests pin one). */
  approvals: ApprovalsSettings | ((command: string) => ApprovalPolicy);
  clock: Clock;
  log: Log;
  /** Retry pacing and the metrics hook of the audit retry buffer. */
  auditRetry?: Pick<AuditRetryBufferOptions, "retryMs" | "maxRetryMs" | "onEvent">;
}

export interface CommandCore {
  registry: CommandRegistry;
  policyFor(command: string): ApprovalPolicy;
  /** Audit records of work already done are retried from memory rather than failing the user's reply. */
  auditRetry: AuditRetryBuffer;
  approvalRequester: ApprovalRequester;
  /**
   * The command services, once made: jobs start before them (services hold the job queue), yet a job's
   * approval ask resolves its command's target with them. Set by `createCommandServices`.
   */
  services?: CommandServices;
}

export function createCommandCore(input: CommandCoreInput): CommandCore {
  const { stores, clock, log } = input;
  const registry = new CommandRegistry([...input.commands]);
  const settings = input.approvals;
  const policy =
    typeof settings === "function" ? settings : (command: string) => policyFor(command, settings);
  const auditRetry = new AuditRetryBuffer({
    audit: stores.audit,
    log: log.child({ component: "audit" }),
    ...input.auditRetry,
  });
  const approvalRequester = createApprovalRequester({
    registry,
    services: () => core.services,
    approvals: stores.approvals,
    audit: stores.audit,
    auditRetry,
    notifiers: input.notifiers,
    policyFor: policy,
    clock,
    log,
  });
  const core: CommandCore = { registry, policyFor: policy, auditRetry, approvalRequester };
  return core;
}

export interface CommandServicesInput {
  core: CommandCore;
  stores: Pick<Stores, "approvals" | "audit">;
  jobs: JobQueue;
  rbac: RbacConfig;
  version: string;
  proxmox?: Proxmox;
  imageCatalog?: ImageCatalog;
  templates?: TemplateServices;
  provision?: ProvisionServices;
  updates?: UpdateServices;
}

export function createCommandServices(input: CommandServicesInput): CommandServices {
  const services: CommandServices = {
    commands: input.core.registry,
    rbac: new Rbac(input.rbac),
    approvals: input.stores.approvals,
    audit: input.stores.audit,
    jobs: input.jobs,
    proxmox: input.proxmox,
    imageCatalog: input.imageCatalog,
    ...(input.templates ? { templates: input.templates } : {}),
    ...(input.provision ? { provision: input.provision } : {}),
    ...(input.updates ? { updates: input.updates } : {}),
    version: input.version,
  };
  input.core.services = services;
  return services;
}

export interface DispatcherInput {
  core: CommandCore;
  services: CommandServices;
  notifiers: NotifierByPlatform;
  clock: Clock;
  log: Log;
  /** Where finished commands and decided approvals are counted; nowhere when omitted. */
  metrics?: PipelineMetrics;
  /** Configured secret values every reply and card is scrubbed of. */
  scrub: (text: string) => string;
  /** Maps a storage failure to a user-facing error (see adapters/store/redis-errors.ts). */
  unavailable(err: unknown): Error | undefined;
  scope?: RequestScope;
  /** The button table; the bot's own (approval decide, job cancel) when omitted. */
  actionRoutes?: readonly ActionRoute[];
  /** Autocomplete sources beyond the command services' own (alert ids, from the alerts side). */
  suggestSources?: SuggestSources;
}

export function createDispatcher(input: DispatcherInput): Dispatcher {
  return new Dispatcher({
    registry: input.core.registry,
    services: input.services,
    notifiers: input.notifiers,
    policyFor: input.core.policyFor,
    clock: input.clock,
    log: input.log,
    metrics: input.metrics ?? { commandFinished() {}, approvalDecided() {} },
    auditRetry: input.core.auditRetry,
    scrub: input.scrub,
    unavailable: input.unavailable,
    scope: input.scope,
    ...(input.actionRoutes ? { actionRoutes: input.actionRoutes } : {}),
    autocomplete: new Autocompleter({
      registry: input.core.registry,
      services: input.services,
      sources: { ...serviceSources(input.services), ...input.suggestSources },
      clock: input.clock,
      log: input.log.child({ component: "autocomplete" }),
      scrub: input.scrub,
    }),
  });
}
