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

/** A PVE task that ended in an error, with PVE's exit message and the end of its log. */
export class ProxmoxTaskError extends ProxmoxError {
  constructor(
    message: string,
    readonly upid: string,
    readonly exitstatus: string,
    readonly logTail: readonly string[],
  ) {
    super(/^VM is locked/.test(exitstatus) ? "E_PVE_LOCKED" : "E_PVE", message, { pveMessage: exitstatus });
    this.name = "ProxmoxTaskError";
  }
}

export interface PveVersion {
  /** Full pve-manager version, e.g. "9.1.5". */
  version: string;
  /** Major.minor release, e.g. "9.1". */
  release: string;
  repoid: string;
}

export interface NodeSummary {
  node: string;
  status: "online" | "offline" | "unknown";
  /** 0..1 of maxcpu; absent without Sys.Audit on the node. */
  cpu?: number;
  maxcpu?: number;
  mem?: number;
  maxmem?: number;
  disk?: number;
  maxdisk?: number;
  /** Seconds. */
  uptime?: number;
}

export interface NodeStatus {
  uptime: number;
  cpu: number;
  cpuModel?: string;
  cpus?: number;
  memory: { total: number; used: number; free: number };
  rootfs?: { total: number; used: number };
  loadavg: string[];
  /** e.g. "pve-manager/9.1.5/…". */
  pveversion: string;
  kernel?: string;
}

export type GuestType = "qemu" | "lxc";

export interface GuestResource {
  type: GuestType;
  vmid: number;
  node: string;
  name?: string;
  status: string;
  template: boolean;
  tags: string[];
  lock?: string;
  pool?: string;
  cpu?: number;
  maxcpu?: number;
  mem?: number;
  maxmem?: number;
  maxdisk?: number;
  uptime?: number;
}

export interface StorageResource {
  type: "storage";
  storage: string;
  node: string;
  status: string;
  content: string[];
  plugintype?: string;
  shared: boolean;
  disk?: number;
  maxdisk?: number;
}

export interface NodeResource {
  type: "node";
  node: string;
  status: string;
}

export type ClusterResource = GuestResource | StorageResource | NodeResource;

/** VM config as PVE returns it: integers and booleans are numbers, property strings stay strings. */
export type VmConfig = Readonly<Record<string, string | number>> & { digest?: string };

export interface VmStatus {
  vmid: number;
  status: "running" | "stopped" | string;
  name?: string;
  qmpstatus?: string;
  template: boolean;
  lock?: string;
  agent: boolean;
  uptime?: number;
  cpus?: number;
  cpu?: number;
  mem?: number;
  maxmem?: number;
  maxdisk?: number;
  tags: string[];
}

export interface SnapshotInfo {
  name: string;
  description: string;
  /** Seconds since the epoch; absent on the `current` pseudo-entry. */
  snaptime?: number;
  parent?: string;
  vmstate: boolean;
}

export interface StorageInfo {
  storage: string;
  type: string;
  content: string[];
  active: boolean;
  enabled: boolean;
  shared: boolean;
  total?: number;
  used?: number;
  avail?: number;
}

export interface StorageContentItem {
  volid: string;
  content: string;
  format: string;
  size: number;
  vmid?: number;
  ctime?: number;
  notes?: string;
}

export interface TaskStatus {
  upid: string;
  node: string;
  type: string;
  id: string;
  user: string;
  status: "running" | "stopped";
  /** Present once stopped: "OK", "WARNINGS: n" or the error message. */
  exitstatus?: string;
  starttime: number;
}

export interface TaskLog {
  lines: string[];
  /** Total lines in the task log. */
  total: number;
}

export interface TaskDone {
  upid: string;
  exitstatus: string;
  /** The n of "WARNINGS: n"; 0 for "OK". */
  warnings: number;
  durationMs: number;
}

export interface WaitForTaskOptions {
  /** Overall limit; the task keeps running on PVE after it. Default from the adapter's config. */
  timeoutMs?: number;
  /** Called after each poll while the task runs. */
  onPoll?: (status: TaskStatus) => void;
}

export interface DownloadUrlRequest {
  url: string;
  filename: string;
  content: "iso" | "vztmpl" | "import";
  checksum?: string;
  checksumAlgorithm?: "md5" | "sha1" | "sha224" | "sha256" | "sha384" | "sha512";
  verifyCertificates?: boolean;
}

/**
 * VM creation. `sshKeys` is the plain text of one or more public keys; the adapter encodes it the way PVE
 * expects. `extra` passes further config keys (e.g. `scsi0`, `ide2`, `serial0`) as PVE property strings.
 */
export interface CreateVmRequest {
  vmid: number;
  name?: string;
  memoryMiB?: number;
  cores?: number;
  pool?: string;
  tags?: string[];
  sshKeys?: string;
  extra?: Record<string, string | number | boolean>;
}

export interface CloneVmRequest {
  newid: number;
  name?: string;
  full?: boolean;
  storage?: string;
  pool?: string;
  target?: string;
}

export interface AgentExecStatus {
  exited: boolean;
  exitcode?: number;
  signal?: number;
  outData?: string;
  errData?: string;
  outTruncated: boolean;
  errTruncated: boolean;
}

export interface AgentInterface {
  name: string;
  hardwareAddress?: string;
  addresses: { address: string; family: "ipv4" | "ipv6"; prefix: number }[];
}

export interface Proxmox {
  /** The URL the adapter talks to, for messages. Never carries credentials. */
  readonly endpoint: string;

  version(): Promise<PveVersion>;
  nodes(): Promise<NodeSummary[]>;
  nodeStatus(node: string): Promise<NodeStatus>;
  clusterResources(type?: "vm" | "storage" | "node"): Promise<ClusterResource[]>;
  nextVmid(): Promise<number>;

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

  agentPing(node: string, vmid: number): Promise<void>;
  /** Starts `command` (program and arguments, no shell) in the guest; returns its pid. */
  agentExec(node: string, vmid: number, command: string[], inputData?: string): Promise<number>;
  /** PVE forgets the pid after the first reply with `exited: true`. */
  agentExecStatus(node: string, vmid: number, pid: number): Promise<AgentExecStatus>;
  agentNetworkInterfaces(node: string, vmid: number): Promise<AgentInterface[]>;
}
