/** Plain-data model of the simulated cluster. Tests may read and change it between requests. */

export type VmConfig = Record<string, string | number>;

export interface NodeState {
  node: string;
  status: "online" | "offline" | "unknown";
  maxcpu: number;
  cpu: number;
  maxmem: number;
  mem: number;
  maxdisk: number;
  disk: number;
  /** Epoch ms; uptime is computed from it. */
  bootedAt: number;
  /** Full pve-manager version, e.g. `9.1.5`. */
  managerVersion: string;
  kernel: string;
  /** `uname -m` of the node; x86_64 unless a test sets another. */
  arch?: "x86_64" | "aarch64";
  level: string;
  /** Per-node counters that make UPIDs unique and realistic. */
  nextPid: number;
  pstart: number;
}

export type StorageType = "dir" | "nfs" | "lvmthin" | "lvm" | "rbd" | "zfspool";

export interface StorageState {
  storage: string;
  type: StorageType;
  content: string[];
  shared: boolean;
  /** Nodes the storage is available on; undefined means all. */
  nodes?: string[];
  path?: string;
  total: number;
  enabled: boolean;
}

export interface VolumeState {
  volid: string;
  storage: string;
  /** Owning node for local storages; undefined on shared storages. */
  node?: string;
  content: string;
  format: string;
  size: number;
  ctime: number;
  vmid?: number;
  notes?: string;
  /** Base volume of a linked clone. */
  parent?: string;
  /** Disk size a guest sees, for image files whose header says so (qcow2, vmdk); else `size`. */
  virtualSize?: number;
  /** The file's bytes, for files download-url fetched (checksums of existing files are computed from them). */
  data?: Buffer;
  /** download-url record: where the file came from. */
  source?: { url: string; checksum?: string; algorithm?: string };
}

export interface PackageState {
  name: string;
  version: string;
  /** A newer version the package manager would install on upgrade. */
  available?: string;
  /** The pending update fixes a security issue (apt `-security` suite, dnf/zypper security advisory). */
  security?: boolean;
  /** Test knob: the new version's maintainer script fails (dpkg leaves the package half-configured). */
  breaks?: boolean;
}

export type GuestOsId = "debian" | "ubuntu" | "rocky" | "fedora" | "opensuse" | "alpine" | "arch";

export interface GuestState {
  os: GuestOsId;
  kernel: string;
  hostname: string;
  packages: PackageState[];
  rebootRequired: boolean;
  /** Whether `apt-get update`/`dnf makecache`… has run since boot (apt only lists upgrades after it). */
  indexFresh: boolean;
  ipv4: string;
  /** Prefix length of `ipv4`; 24 when unset. Cloud-init sets it from `ipconfig0` at boot. */
  ipv4Prefix?: number;
  /** Login users cloud-init created (`ciuser`), with the public keys it installed (`sshkeys`). */
  users?: Record<string, { sshKeys: string[] }>;
  /** What `systemctl is-system-running` says; `running` when absent. Tests set `degraded`. */
  systemState?: "running" | "degraded";
  /** Test knob: the next upgrade leaves systemd degraded (a unit that fails after the update). */
  upgradeDegrades?: boolean;
}

export interface ExecState {
  pid: number;
  finishesAt: number;
  exitcode: number;
  out: string;
  err: string;
}

export interface SnapshotState {
  name: string;
  snaptime: number;
  description: string;
  vmstate: 0 | 1;
  parent?: string;
  config: VmConfig;
  guest: GuestState;
}

export interface VmState {
  vmid: number;
  node: string;
  status: "running" | "stopped";
  startedAt?: number;
  config: VmConfig;
  snapshots: SnapshotState[];
  pool?: string;
  haManaged: boolean;
  guest: GuestState;
  /** Epoch ms when the guest agent answers after a start. */
  agentReadyAt: number;
  execs: Map<number, ExecState>;
  nextExecPid: number;
}

export interface PoolState {
  poolid: string;
  comment?: string;
}

export interface TaskRecord {
  upid: string;
  node: string;
  pid: number;
  pstart: number;
  starttime: number;
  type: string;
  id: string;
  /** `user@realm` of the caller. */
  user: string;
  /** The token name when a token started the task. */
  tokenid?: string;
  status: "running" | "stopped";
  exitstatus?: string;
  endtime?: number;
  log: string[];
}
