/**
 * What an update acts on: `100`, `web01`, `tag:web`, `pool:chatops`, `node:pve1`, and lists of those
 * (spaces or commas). Expansion reads the cluster once and then checks each candidate VM; everything that
 * cannot be updated is kept as a skipped row with its reason, so the user sees the whole picture before
 * anything runs. Templates are never targets.
 */
import { UserError } from "../errors.js";
import { type GuestResource, type Proxmox, ProxmoxError } from "../proxmox.js";
import { checkNode } from "../pve/ids.js";
import { createdAtOf } from "../pve/vm-meta.js";

export type Selector =
  | { kind: "vmid"; vmid: number; text: string }
  | { kind: "name"; name: string; text: string }
  | { kind: "tag" | "pool" | "node"; value: string; text: string };

export interface TargetVm {
  vmid: number;
  name: string;
  node: string;
  tags: string[];
  /**
   * PVE's creation time (config `meta: ctime=`), in ms; read where the expansion reads the config anyway
   * (apply), so an approval can tell a VM recreated under the same id and name from the one approved.
   */
  createdAt?: number;
}

export interface SkippedVm {
  /** What the user wrote, or the VM when a selector matched it. */
  target: string;
  reason: string;
  vmid?: number;
  node?: string;
}

export interface Expansion {
  vms: TargetVm[];
  skipped: SkippedVm[];
}

const VALUE = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$/;

/** Parses the words of a target; a bad word is an E_ARGS error that names it, and nothing is read. */
export function parseTargets(words: readonly string[]): Selector[] {
  const texts = words.flatMap((w) => w.split(",")).filter((w) => w !== "");
  if (texts.length === 0)
    throw new UserError("E_ARGS", "name a target: a VM id or name, tag:<t>, pool:<p> or node:<n>");
  return texts.map((text) => {
    if (/^\d+$/.test(text)) {
      const vmid = Number(text);
      if (vmid < 100 || vmid > 999_999_999)
        throw new UserError("E_ARGS", `VM id ${text} is outside 100-999999999`);
      return { kind: "vmid", vmid, text };
    }
    const prefixed = /^([a-z]+):(.*)$/.exec(text);
    if (prefixed) {
      const [, kind = "", value = ""] = prefixed;
      if (kind !== "tag" && kind !== "pool" && kind !== "node")
        throw new UserError(
          "E_ARGS",
          `unknown target kind "${kind}:" in "${text}"; use tag:, pool: or node:`,
        );
      if (!VALUE.test(value)) throw new UserError("E_ARGS", `"${text}": ${kind} name missing or not valid`);
      if (kind === "node") checkNode(value);
      return { kind, value, text };
    }
    if (!VALUE.test(text))
      throw new UserError("E_ARGS", `"${text}" is not a VM id, VM name or tag:/pool:/node: target`);
    return { kind: "name", name: text, text };
  });
}

function matches(selector: Selector, vm: GuestResource): boolean {
  switch (selector.kind) {
    case "vmid":
      return vm.vmid === selector.vmid;
    case "name":
      return vm.name === selector.name;
    case "tag":
      return vm.tags.includes(selector.value);
    case "pool":
      return vm.pool === selector.value;
    case "node":
      return vm.node === selector.value;
  }
}

/** What an update needs to be allowed to do on a VM, per command; `read` only lists (snapshots). */
export type Need = "read" | "plan" | "apply";

/** Exec through the agent is VM.GuestAgent.Unrestricted on PVE 9 and VM.Monitor on PVE 8. */
const EXEC_PRIVS = ["VM.GuestAgent.Unrestricted", "VM.Monitor"];
const APPLY_PRIVS = ["VM.Snapshot", "VM.PowerMgmt"];

export interface ExpandOptions {
  need: Need;
  /** Checks of different VMs run this many at a time. */
  parallel?: number;
}

/** Expands selectors against the cluster and checks each VM; see the module comment. */
export async function expandTargets(
  proxmox: Proxmox,
  selectors: readonly Selector[],
  options: ExpandOptions,
): Promise<Expansion> {
  const resources = (await proxmox.clusterResources("vm")).filter(
    (r): r is GuestResource => r.type === "qemu" || r.type === "lxc",
  );
  const skipped: SkippedVm[] = [];
  const chosen = new Map<number, GuestResource>();
  for (const selector of selectors) {
    const hits = resources.filter((r) => matches(selector, r));
    if (hits.length === 0) {
      skipped.push({
        target: selector.text,
        reason:
          selector.kind === "vmid" || selector.kind === "name"
            ? "no such VM, or the bot's token may not see it"
            : "matches no VM the bot's token can see",
      });
    }
    for (const hit of hits) chosen.set(hit.vmid, hit);
  }
  const candidates: GuestResource[] = [];
  for (const vm of [...chosen.values()].sort((a, b) => a.vmid - b.vmid)) {
    const reason =
      options.need === "read"
        ? vm.template
          ? "template: templates are never updated"
          : undefined
        : staticSkip(vm);
    if (reason) skipped.push(skip(vm, reason));
    else candidates.push(vm);
  }
  const storageTypes = options.need === "apply" ? await storagePlugins(proxmox) : new Map<string, string>();
  const checked = await mapLimit(
    candidates,
    options.parallel ?? 8,
    (vm): Promise<VmCheck> =>
      options.need === "read" ? Promise.resolve({}) : checkVm(proxmox, vm, options.need, storageTypes),
  );
  const vms: TargetVm[] = [];
  checked.forEach((check, i) => {
    const vm = candidates[i]!;
    if (check.skip) skipped.push(skip(vm, check.skip));
    else
      vms.push({
        vmid: vm.vmid,
        name: vm.name ?? `vm${vm.vmid}`,
        node: vm.node,
        tags: vm.tags,
        ...(check.createdAt !== undefined ? { createdAt: check.createdAt } : {}),
      });
  });
  return { vms, skipped };
}

function skip(vm: GuestResource, reason: string): SkippedVm {
  return { target: `${vm.vmid} ${vm.name ?? ""}`.trim(), reason, vmid: vm.vmid, node: vm.node };
}

function staticSkip(vm: GuestResource): string | undefined {
  if (vm.template) return "template: templates are never updated";
  if (vm.type === "lxc") return "container: updates go through the QEMU guest agent, which containers lack";
  if (vm.status !== "running") return `${vm.status}: the guest agent needs a running VM`;
  if (vm.lock) return `locked (${vm.lock})`;
  return undefined;
}

/** Why the VM is skipped, or what the checks learnt about it on the way (its creation time). */
interface VmCheck {
  skip?: string;
  createdAt?: number;
}

async function checkVm(
  proxmox: Proxmox,
  vm: GuestResource,
  need: Need,
  storageTypes: ReadonlyMap<string, string>,
): Promise<VmCheck> {
  const privs = await proxmox.privileges(`/vms/${vm.vmid}`);
  const missing = [
    ...(EXEC_PRIVS.some((p) => privs.includes(p)) ? [] : [EXEC_PRIVS.join(" or ")]),
    ...(need === "apply" ? APPLY_PRIVS.filter((p) => !privs.includes(p)) : []),
  ];
  if (missing.length > 0)
    return { skip: `no permission: the bot's token lacks ${missing.join(", ")} on /vms/${vm.vmid}` };
  try {
    await proxmox.agentPing(vm.node, vm.vmid);
  } catch (err) {
    if (err instanceof ProxmoxError && !err.transient)
      return { skip: `guest agent: ${err.pveMessage ?? err.message}` };
    throw err;
  }
  if (need !== "apply") return {};
  const config = await proxmox.vmConfig(vm.node, vm.vmid);
  const storage = unsnapshottableStorage(config, storageTypes);
  if (storage) return { skip: `storage ${storage} cannot take snapshots` };
  const createdAt = createdAtOf(config["meta"]);
  return createdAt !== undefined ? { createdAt } : {};
}

async function storagePlugins(proxmox: Proxmox): Promise<Map<string, string>> {
  const types = new Map<string, string>();
  for (const r of await proxmox.clusterResources("storage")) {
    if (r.type === "storage" && r.plugintype) types.set(r.storage, r.plugintype);
  }
  return types;
}

const DISK_KEY = /^(scsi|virtio|sata|ide|efidisk|tpmstate)\d+$/;

/**
 * The first storage of the VM's disks that cannot snapshot, as `name (type)`, or undefined. Mirrors
 * pve-storage's `volume_has_feature(snapshot)`: thick LVM never, directory-like storages only for qcow2.
 */
export function unsnapshottableStorage(
  config: Readonly<Record<string, string | number>>,
  storageTypes: ReadonlyMap<string, string>,
): string | undefined {
  for (const [key, raw] of Object.entries(config)) {
    if (!DISK_KEY.test(key)) continue;
    const spec = String(raw);
    if (/(^|,)media=cdrom(,|$)/.test(spec)) continue;
    const file = spec.split(",")[0] ?? "";
    const colon = file.indexOf(":");
    if (colon < 0) continue;
    const storage = file.slice(0, colon);
    const type = storageTypes.get(storage);
    if (type === "lvm") return `${storage} (lvm)`;
    if ((type === "dir" || type === "nfs" || type === "cifs") && !file.endsWith(".qcow2"))
      return `${storage} (${type}, not qcow2)`;
  }
  return undefined;
}

/** Runs `fn` over `items` with at most `limit` at a time, keeping the order of results. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
