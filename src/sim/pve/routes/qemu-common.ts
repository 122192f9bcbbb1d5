import { createHash, randomBytes, randomUUID } from "node:crypto";
import { hasPrivilege, hasVmPrivilege, type Principal } from "../auth/acl.js";
import { handlerError, permissionError } from "../errors.js";
import type { ParamValue } from "../schema/validate.js";
import { DRIVE_KEY, isCdrom, parseDrive } from "../state/disks.js";
import type { VmConfig, VmState } from "../state/types.js";
import { num, type RequestContext, str } from "./types.js";

/** Request parameters that steer an API call but are not VM config keys. */
export const NON_CONFIG_PARAMS = new Set([
  "node",
  "vmid",
  "digest",
  "delete",
  "revert",
  "skiplock",
  "background_delay",
  "force",
  "import-working-storage",
  "pool",
  "start",
  "storage",
  "archive",
  "unique",
  "live-restore",
  "bwlimit",
]);

export function vmFromRequest(ctx: RequestContext): VmState {
  const node = str(ctx.params, "node")!;
  ctx.rt.state.node(node);
  return ctx.rt.state.vm(node, num(ctx.params, "vmid")!);
}

/** `check_lock`: a config lock refuses the call with PVE's wording. */
export function assertUnlocked(vm: VmState): void {
  const lock = vm.config["lock"];
  if (lock !== undefined) throw handlerError(`VM is locked (${lock})`);
}

export function isTemplate(vm: VmState): boolean {
  return Number(vm.config["template"] ?? 0) === 1;
}

/** `skiplock` is reserved to root@pam in PVE; tokens never qualify. */
export function rejectSkiplock(ctx: RequestContext): void {
  if (ctx.params["skiplock"] !== undefined && ctx.principal.userid !== "root@pam") {
    throw permissionError("Only root may use this option.");
  }
}

const CPU_KEYS = new Set(["cores", "sockets", "cpu", "cpulimit", "cpuunits", "vcpus", "numa", "affinity"]);
const MEMORY_KEYS = new Set(["memory", "balloon", "shares"]);
const CLOUDINIT_KEYS = new Set([
  "ciuser",
  "cipassword",
  "sshkeys",
  "citype",
  "ciupgrade",
  "cicustom",
  "nameserver",
  "searchdomain",
]);
const HW_KEYS =
  /^(scsihw|vga|machine|bios|hostpci\d+|usb\d+|serial\d+|parallel\d+|audio0|rng0|tablet|keyboard|watchdog|ivshmem|tpmstate0|efidisk0)$/;

/**
 * The privilege qemu-server's `check_vm_modify_config_perm` asks for one option. A cdrom or cloud-init
 * drive needs VM.Config.CDROM (cloud-init also VM.Config.Cloudinit); other drives VM.Config.Disk.
 */
export function privilegesForOption(key: string, value: ParamValue | undefined): string[][] {
  if (CPU_KEYS.has(key)) return [["VM.Config.CPU"]];
  if (MEMORY_KEYS.has(key)) return [["VM.Config.Memory"]];
  if (CLOUDINIT_KEYS.has(key)) return [["VM.Config.Cloudinit"]];
  if (/^ipconfig\d+$/.test(key)) return [["VM.Config.Network", "VM.Config.Cloudinit"]];
  if (/^net\d+$/.test(key)) return [["VM.Config.Network"]];
  if (HW_KEYS.test(key) && key !== "efidisk0" && key !== "tpmstate0") return [["VM.Config.HWType"]];
  if (DRIVE_KEY.test(key)) {
    if (value === undefined) return [["VM.Config.Disk"]];
    const spec = parseDrive(String(value));
    if (spec.file.endsWith(":cloudinit") || /cloudinit/.test(spec.file))
      return [["VM.Config.CDROM"], ["VM.Config.Cloudinit"]];
    if (isCdrom(spec)) return [["VM.Config.CDROM"]];
    return [["VM.Config.Disk"]];
  }
  if (key === "boot" || key === "bootdisk") return [["VM.Config.Disk"]];
  return [["VM.Config.Options"]];
}

/**
 * Checks each option's privilege on `/vms/<vmid>` (or first on `/pool/<pool>` when a create names the
 * pool, as `check_vm_perm` does); the first miss is the 403, as in qemu-server.
 */
export function assertOptionPrivileges(
  ctx: RequestContext,
  vmid: number,
  options: Record<string, ParamValue>,
  deleted: string[] = [],
  pool?: string,
): void {
  const path = `/vms/${vmid}`;
  const check = (key: string, value: ParamValue | undefined) => {
    for (const anyOf of privilegesForOption(key, value)) {
      if (!hasVmPrivilege(ctx.principal, vmid, pool, anyOf, true)) {
        throw permissionError(`${path}, ${anyOf.join("|")}`);
      }
    }
  };
  for (const [key, value] of Object.entries(options)) if (!NON_CONFIG_PARAMS.has(key)) check(key, value);
  for (const key of deleted) check(key, undefined);
}

export function assertStoragePrivilege(principal: Principal, storage: string, privs: string[]): void {
  if (!privs.some((p) => hasPrivilege(principal, `/storage/${storage}`, p))) {
    throw permissionError(`/storage/${storage}, ${privs.join("|")}`);
  }
}

/** The SDN check PVE 8+ makes for every bridge a NIC is attached to. */
export function assertBridgeAccess(ctx: RequestContext, options: Record<string, ParamValue>): void {
  for (const [key, value] of Object.entries(options)) {
    if (!/^net\d+$/.test(key)) continue;
    const bridge = /(?:^|,)bridge=([^,]+)/.exec(String(value))?.[1];
    if (!bridge) continue;
    const tag = /(?:^|,)tag=(\d+)/.exec(String(value))?.[1];
    const zonePath = `/sdn/zones/localnetwork/${bridge}`;
    const paths = tag ? [`${zonePath}/${tag}`, zonePath] : [zonePath];
    if (!paths.some((p) => hasPrivilege(ctx.principal, p, "SDN.Use"))) {
      throw permissionError(`${paths[0]}, SDN.Use`);
    }
  }
}

/** Keys a new VM gets from qemu-server when not given (unique ids, creation metadata). */
export function generatedDefaults(config: VmConfig, nowMs: number): VmConfig {
  const out: VmConfig = {};
  if (config["smbios1"] === undefined) out["smbios1"] = `uuid=${randomUUID()}`;
  if (config["vmgenid"] === undefined) out["vmgenid"] = randomUUID();
  out["meta"] = `creation-qemu=9.2.0,ctime=${Math.floor(nowMs / 1000)}`;
  return out;
}

/** A locally administered MAC with Proxmox's `BC:24:11` prefix. */
export function randomMac(): string {
  const bytes = randomUUID().replace(/-/g, "").slice(0, 6).toUpperCase();
  return `BC:24:11:${bytes.slice(0, 2)}:${bytes.slice(2, 4)}:${bytes.slice(4, 6)}`;
}

/** Gives `net[n]` entries without a MAC one, as qemu-server does on create and clone. */
export function withMacs(options: VmConfig, regenerate: boolean): VmConfig {
  const out: VmConfig = { ...options };
  for (const [key, value] of Object.entries(options)) {
    if (!/^net\d+$/.test(key)) continue;
    const parts = String(value).split(",");
    const [first = "", firstValue] = (parts[0] ?? "").split("=");
    const model = first === "model" ? (firstValue ?? "") : first;
    const hasMac = first === "model" ? parts.some((p) => p.startsWith("macaddr=")) : firstValue !== undefined;
    if (hasMac && !regenerate) continue;
    const rest = parts.slice(1).filter((p) => !p.startsWith("macaddr="));
    parts.splice(0, parts.length, `${model}=${randomMac()}`, ...rest);
    out[key] = parts.join(",");
  }
  return out;
}

/**
 * qemu-server never keeps the cloud-init password in clear: it stores a crypt(3)-style hash, and
 * GET config shows asterisks. The hash here is SHA-256 based, not real sha-crypt (nobody verifies it).
 */
export function hashCloudinitPassword(options: VmConfig): VmConfig {
  const pw = options["cipassword"];
  if (pw === undefined || String(pw).startsWith("$5$")) return options;
  const salt = randomBytes(6).toString("base64url");
  const digest = createHash("sha256").update(`${salt}${pw}`).digest("base64url");
  return { ...options, cipassword: `$5$${salt}$${digest}` };
}

export const MASKED_PASSWORD = "**********";
