/**
 * Turning `vm create` arguments into a job's data. Everything that can be refused without Proxmox is
 * checked first and refused before any request (names, count, profile, key names, sizes, addresses);
 * then the template, the nodes and the storage are read (reads only) and the rest is checked against
 * them: the disk is not smaller than the template's, a clone to another node needs shared storage, and
 * a linked clone needs a storage that can make one.
 */
import { UserError } from "../errors.js";
import type { Proxmox } from "../proxmox.js";
import { DNS_NAME_PATTERN } from "../pve/ids.js";
import type { Profile } from "./config.js";
import type { ProvisionServices } from "./deps.js";
import { type StaticAddress, staticAddresses } from "./networks.js";
import type { VmCreateRequest } from "./request.js";
import { type FoundTemplate, findTemplate } from "./template-ref.js";

export interface VmCreateArgs {
  name: string;
  from: string;
  node?: string[];
  profile?: string;
  cores?: number;
  memoryMiB?: number;
  diskGiB?: number;
  ip?: string;
  gw?: string;
  vlan?: number;
  sshKey?: string[];
  linked?: boolean;
  start?: boolean;
  count?: number;
  keepOnFailure?: boolean;
}

/** Storage types whose volumes PVE can clone linked (qcow2 on files, thin LVM, ZFS, Ceph). */
const LINKED_CLONE_TYPES = new Set(["dir", "nfs", "cifs", "glusterfs", "lvmthin", "zfspool", "zfs", "rbd"]);
/** PVE's VM name is a DNS name; the bot keeps it to one label so `name-N` stays a valid hostname. */
const MAX_NAME = 63;

export interface OfflineChecks {
  names: string[];
  profile?: { name: string; value: Profile };
  addresses?: StaticAddress[];
  sshKeys?: string;
}

export function profileOf(deps: Pick<ProvisionServices, "config">, name: string): Profile {
  const profile = deps.config.profiles[name];
  if (!profile) {
    const known = Object.keys(deps.config.profiles);
    throw new UserError(
      "E_ARGS",
      `unknown profile "${name}"; profiles: ${known.length > 0 ? known.join(", ") : "none (an admin sets provision.profiles)"}`,
    );
  }
  return profile;
}

/** The checks that need no request; a refusal here means nothing was sent to Proxmox. */
export function checkOffline(
  deps: Pick<ProvisionServices, "config" | "sshKeys">,
  args: VmCreateArgs,
): OfflineChecks {
  const count = args.count ?? 1;
  if (count > deps.config.maxCount) {
    throw new UserError(
      "E_ARGS",
      `--count ${count} is more than provision.maxCount (${deps.config.maxCount})`,
    );
  }
  const names = count === 1 ? [args.name] : Array.from({ length: count }, (_, i) => `${args.name}-${i + 1}`);
  for (const name of names) {
    if (name.length > MAX_NAME || !DNS_NAME_PATTERN.test(name) || name.includes(".")) {
      throw new UserError(
        "E_ARGS",
        `invalid VM name "${name}": letters, digits and inner hyphens, at most ${MAX_NAME} characters`,
      );
    }
  }
  const profile = args.profile ? { name: args.profile, value: profileOf(deps, args.profile) } : undefined;
  if (args.gw !== undefined && (args.ip === undefined || args.ip === "dhcp")) {
    throw new UserError("E_ARGS", "--gw goes with a static --ip CIDR");
  }
  const addresses =
    args.ip !== undefined && args.ip !== "dhcp"
      ? staticAddresses(deps.config.networks, args.ip, count, args.gw)
      : undefined;
  const keyNames = args.sshKey ?? profile?.value.cloudInit.sshKeys;
  const sshKeys = keyNames === undefined ? undefined : keyText(deps.sshKeys, keyNames);
  return {
    names,
    ...(profile ? { profile } : {}),
    ...(addresses ? { addresses } : {}),
    ...(sshKeys ? { sshKeys } : {}),
  };
}

function keyText(known: Readonly<Record<string, string>>, names: readonly string[]): string {
  const lines = names.map((name) => {
    const key = known[name];
    if (key === undefined) {
      const list = Object.keys(known);
      throw new UserError(
        "E_ARGS",
        `unknown ssh key "${name}"; configured keys: ${list.length > 0 ? list.join(", ") : "none (set templates.sshKeys)"}`,
      );
    }
    return key.trim();
  });
  return lines.length > 0 ? `${lines.join("\n")}\n` : "";
}

/** The nodes the VMs go to, round robin over `--node` (the template's node by default). */
async function placement(
  proxmox: Proxmox,
  found: FoundTemplate,
  wanted: string[] | undefined,
  count: number,
) {
  const nodes = wanted && wanted.length > 0 ? [...new Set(wanted)] : [found.ref.node];
  const known = await proxmox.nodes();
  for (const node of nodes) {
    const entry = known.find((n) => n.node === node);
    if (!entry) {
      throw new UserError("E_NOT_FOUND", `no node ${node}; nodes: ${known.map((n) => n.node).join(", ")}`);
    }
    if (entry.status !== "online") throw new UserError("E_ARGS", `node ${node} is ${entry.status}`);
  }
  return Array.from({ length: count }, (_, i) => nodes[i % nodes.length]!);
}

async function checkStorage(proxmox: Proxmox, found: FoundTemplate, nodes: string[], linked: boolean) {
  const { ref } = found;
  const storage = (await proxmox.listStorage(ref.node)).find((s) => s.storage === ref.storage);
  const elsewhere = nodes.filter((n) => n !== ref.node);
  if (elsewhere.length > 0 && storage?.shared !== true) {
    throw new UserError(
      "E_ARGS",
      `template ${ref.name} is on storage ${ref.storage}, which is local to ${ref.node}: a clone to ` +
        `${[...new Set(elsewhere)].join(", ")} needs the template on shared storage (or --node ${ref.node})`,
    );
  }
  if (linked && storage !== undefined && !LINKED_CLONE_TYPES.has(storage.type)) {
    throw new UserError(
      "E_ARGS",
      `storage ${ref.storage} (${storage.type}) cannot make linked clones; drop --linked for a full clone`,
    );
  }
}

/** The job's data: offline checks, then the reads, then the checks that need what was read. */
export async function planCreate(
  deps: ProvisionServices,
  args: VmCreateArgs,
  requestedBy: string,
): Promise<VmCreateRequest> {
  const offline = checkOffline(deps, args);
  const profile = offline.profile?.value;
  const found = await findTemplate(deps.proxmox, args.from);
  const diskGiB = args.diskGiB ?? profile?.disk;
  const templateGiB = found.ref.diskBytes / 1024 ** 3;
  if (diskGiB !== undefined && diskGiB < templateGiB) {
    throw new UserError(
      "E_ARGS",
      `--disk ${diskGiB}G is smaller than template ${found.ref.name}'s disk (${+templateGiB.toFixed(2)}G); disks only grow`,
    );
  }
  const nodes = await placement(deps.proxmox, found, args.node, offline.names.length);
  const linked = args.linked === true;
  await checkStorage(deps.proxmox, found, nodes, linked);
  const network = offline.addresses?.[0]?.network;
  const ipFor = (i: number): string | undefined => {
    const a = offline.addresses?.[i];
    if (a) return `ip=${a.cidr}${a.gateway ? `,gw=${a.gateway}` : ""}`;
    return args.ip === "dhcp" || profile?.network?.ip === "dhcp" ? "ip=dhcp" : undefined;
  };
  const cloudInit = profile?.cloudInit ?? {};
  const postBoot = profile?.postBoot ?? [];
  const bridge = profile?.network?.bridge ?? network?.bridge;
  const vlan = args.vlan ?? profile?.network?.vlan ?? network?.vlan;
  const cores = args.cores ?? profile?.cores;
  const memoryMiB = args.memoryMiB ?? profile?.memory;
  const nameserver = cloudInit.nameserver ?? deps.config.nameserver;
  const searchdomain = cloudInit.searchdomain ?? deps.config.searchdomain;
  return {
    template: found.ref,
    vms: offline.names.map((name, i) => {
      const ipconfig = ipFor(i);
      return { name, node: nodes[i]!, ...(ipconfig ? { ipconfig } : {}) };
    }),
    linked,
    pool: deps.pool,
    ...(offline.profile ? { profile: offline.profile.name } : {}),
    ...(cores !== undefined ? { cores } : {}),
    ...(memoryMiB !== undefined ? { memoryMiB } : {}),
    ...(diskGiB !== undefined && diskGiB * 1024 ** 3 > found.ref.diskBytes ? { diskGiB } : {}),
    ...(bridge !== undefined ? { bridge } : {}),
    ...(vlan !== undefined ? { vlan } : {}),
    ...(cloudInit.user !== undefined ? { ciuser: cloudInit.user } : {}),
    ...(offline.sshKeys !== undefined ? { sshKeys: offline.sshKeys } : {}),
    ...(nameserver !== undefined ? { nameserver } : {}),
    ...(searchdomain !== undefined ? { searchdomain } : {}),
    ...(cloudInit.cicustom !== undefined ? { cicustom: cloudInit.cicustom } : {}),
    tags: [
      ...new Set(["chatops", ...(offline.profile ? [offline.profile.name] : []), ...(profile?.tags ?? [])]),
    ],
    // Post-boot steps need a running guest, so a profile with steps starts the VM.
    start: args.start === true || postBoot.length > 0,
    postBoot,
    keepOnFailure: args.keepOnFailure === true,
    perNode: deps.config.perNode,
    agentTimeoutMs: deps.config.agentTimeout,
    requestedBy,
  };
}
