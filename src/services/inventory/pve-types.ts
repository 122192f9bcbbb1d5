/**
 * The data the Proxmox port returns and takes, kept apart from the port itself (src/services/proxmox.ts,
 * which re-exports everything here) so each file stays readable. Shapes follow PVE's JSON with 0/1 turned
 * into booleans and tag lists split.
 */

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
  /** The node's CPU architecture as `uname -m` says it: `x86_64`, `aarch64`. */
  arch?: string;
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

/** A node in /cluster/resources; the figures are those of GET /nodes (absent without Sys.Audit). */
export interface NodeResource extends Omit<NodeSummary, "status"> {
  type: "node";
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
  /** The new VM's description; a job marks its clones with its id so a lost answer can be recovered. */
  description?: string;
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
