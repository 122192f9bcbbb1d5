/**
 * The Proxmox VE port: the typed calls services and commands make. `src/adapters/proxmox` implements it
 * with proxmox-api; nothing here knows HTTP, TLS or the library.
 *
 * Contract shared by every method:
 * - Path parameters (node, vmid, storage, snapshot name, UPID) are validated before any request; a bad
 *   value throws `UserError("E_ARGS")` and nothing is sent.
 * - Failures reported by PVE or the network throw {@link ProxmoxError} (a `UserError` with an E_PVE* code
 *   and a message that is safe to show in chat). `transient` marks failures worth retrying later.
 * - Methods that start a PVE task return its UPID at once; follow it with {@link Proxmox.waitForTask}.
 */
import { UserError } from "./errors.js";
import type {
  AgentExecStatus,
  AgentInterface,
  CloneVmRequest,
  ClusterResource,
  CreateVmRequest,
  DownloadUrlRequest,
  NodeStatus,
  NodeSummary,
  PveVersion,
  SnapshotInfo,
  StorageContentItem,
  StorageInfo,
  TaskDone,
  TaskLog,
  TaskStatus,
  VmConfig,
  VmStatus,
  WaitForTaskOptions,
} from "./inventory/pve-types.js";

export type PveErrorCode = "E_PVE" | "E_PVE_LOCKED" | "E_PVE_PERMISSION" | "E_PVE_UNREACHABLE" | "E_PVE_TLS";

/** A Proxmox failure as the services see it: safe message, stable code, PVE's own words kept apart. */
export class ProxmoxError extends UserError {
  /** Retry later may succeed (network, 5xx on a read, a lock held by another task). */
  readonly transient: boolean;
  /** HTTP status when PVE answered; undefined for network and TLS failures. */
  readonly status: number | undefined;
  /** PVE's message, verbatim (first line, trimmed). */
  readonly pveMessage: string | undefined;
  /** PVE's per-parameter errors (`{vmid: "VM 200 already exists"}`), empty when none. */
  readonly pveErrors: Readonly<Record<string, string>>;

  constructor(
    code: PveErrorCode,
    message: string,
    details: {
      transient?: boolean;
      status?: number;
      pveMessage?: string;
      pveErrors?: Record<string, string>;
      cause?: unknown;
    } = {},
  ) {
    super(code, message);
    this.name = "ProxmoxError";
    this.transient = details.transient ?? false;
    this.status = details.status;
    this.pveMessage = details.pveMessage;
    this.pveErrors = details.pveErrors ?? {};
    if (details.cause !== undefined) this.cause = details.cause;
  }
}

const TASK_LOCKED = /^VM is locked \(|^CT is locked \(|can't lock file '.*' - got timeout/;

/** A PVE task that ended in an error, with PVE's exit message and the end of its log. */
export class ProxmoxTaskError extends ProxmoxError {
  constructor(
    message: string,
    readonly upid: string,
    readonly exitstatus: string,
    readonly logTail: readonly string[],
  ) {
    const locked = TASK_LOCKED.test(exitstatus);
    // A lock held by another task goes away; running the whole step again later can succeed.
    super(locked ? "E_PVE_LOCKED" : "E_PVE", message, { pveMessage: exitstatus, transient: locked });
    this.name = "ProxmoxTaskError";
  }
}

/** The data models of the port, importable from here with the port itself. */
export type * from "./inventory/pve-types.js";

export interface Proxmox {
  /** The URL the adapter talks to, for messages. Never carries credentials. */
  readonly endpoint: string;

  version(): Promise<PveVersion>;
  nodes(): Promise<NodeSummary[]>;
  nodeStatus(node: string): Promise<NodeStatus>;
  clusterResources(type?: "vm" | "storage" | "node"): Promise<ClusterResource[]>;
  nextVmid(): Promise<number>;
  /**
   * The privileges the bot's token holds on an ACL path (`/pool/chatops`): with privilege separation,
   * what both the token's and its user's ACLs allow. An unknown pool has no ACLs, so it yields none.
   */
  privileges(path: string): Promise<string[]>;

  vmConfig(node: string, vmid: number): Promise<VmConfig>;
  vmStatus(node: string, vmid: number): Promise<VmStatus>;
  /** Synchronous config change (PUT). `delete` lists keys to remove; `digest` guards concurrent edits. */
  updateVmConfig(
    node: string,
    vmid: number,
    changes: Record<string, string | number | boolean>,
    options?: { delete?: string[]; digest?: string },
  ): Promise<void>;

  listSnapshots(node: string, vmid: number): Promise<SnapshotInfo[]>;
  createSnapshot(
    node: string,
    vmid: number,
    snapshot: { name: string; description?: string; vmstate?: boolean },
  ): Promise<string>;
  rollbackSnapshot(node: string, vmid: number, name: string, options?: { start?: boolean }): Promise<string>;
  deleteSnapshot(node: string, vmid: number, name: string, options?: { force?: boolean }): Promise<string>;

  listStorage(node: string, filter?: { content?: string; enabled?: boolean }): Promise<StorageInfo[]>;
  storageStatus(node: string, storage: string): Promise<StorageInfo>;
  storageContent(
    node: string,
    storage: string,
    filter?: { content?: string; vmid?: number },
  ): Promise<StorageContentItem[]>;

  taskStatus(upid: string): Promise<TaskStatus>;
  /** The last `lines` lines of the task log (default 20). */
  taskLogTail(upid: string, lines?: number): Promise<TaskLog>;
  /**
   * Polls until the task stops. Resolves for "OK" and "WARNINGS: n"; throws {@link ProxmoxTaskError}
   * with PVE's message and the log tail otherwise, and `ProxmoxError` when the timeout passes.
   */
  waitForTask(upid: string, options?: WaitForTaskOptions): Promise<TaskDone>;
  /**
   * A node's tasks, newest first: the caller's own, or everyone's with Sys.Audit on the node. `since` is
   * epoch seconds of the task start; `source` defaults to all (running and finished).
   */
  listTasks(
    node: string,
    filter?: {
      vmid?: number;
      type?: string;
      source?: "active" | "archive" | "all";
      since?: number;
      limit?: number;
    },
  ): Promise<TaskStatus[]>;

  downloadUrl(node: string, storage: string, request: DownloadUrlRequest): Promise<string>;
  createVm(node: string, request: CreateVmRequest): Promise<string>;
  /** `size` as PVE takes it: "+2G" grows by 2 GiB, "10G" sets the size. */
  resizeDisk(node: string, vmid: number, disk: string, size: string): Promise<string>;
  convertToTemplate(node: string, vmid: number): Promise<string>;
  cloneVm(node: string, vmid: number, request: CloneVmRequest): Promise<string>;
  destroyVm(
    node: string,
    vmid: number,
    options?: { purge?: boolean; destroyUnreferencedDisks?: boolean },
  ): Promise<string>;
  startVm(node: string, vmid: number): Promise<string>;
  shutdownVm(
    node: string,
    vmid: number,
    options?: { timeoutS?: number; forceStop?: boolean },
  ): Promise<string>;
  stopVm(node: string, vmid: number): Promise<string>;
  /** Reboots a running VM (ACPI, as `qm reboot`); returns the task's UPID. */
  rebootVm(node: string, vmid: number): Promise<string>;

  agentPing(node: string, vmid: number): Promise<void>;
  /** Starts `command` (program and arguments, no shell) in the guest; returns its pid. */
  agentExec(node: string, vmid: number, command: string[], inputData?: string): Promise<number>;
  /** PVE forgets the pid after the first reply with `exited: true`. */
  agentExecStatus(node: string, vmid: number, pid: number): Promise<AgentExecStatus>;
  agentNetworkInterfaces(node: string, vmid: number): Promise<AgentInterface[]>;

  // Guest updates (src/services/updates): OS detection, the hosts' own pending packages.
  /** The guest's `/etc/os-release` as the agent reports it (`get-osinfo`). */
  agentOsInfo(node: string, vmid: number): Promise<AgentOsInfo>;
  /** Packages with a pending update on the PVE host itself (`GET /nodes/{node}/apt/update`). */
  nodeAptUpdates(node: string): Promise<NodeAptUpdate[]>;
}

/** What `get-osinfo` answers; fields the guest does not report are absent. */
export interface AgentOsInfo {
  id?: string;
  name?: string;
  prettyName?: string;
  versionId?: string;
  kernelRelease?: string;
}

export interface NodeAptUpdate {
  package: string;
  oldVersion?: string;
  version: string;
  title?: string;
  origin?: string;
  priority?: string;
}
