/**
 * Checks made before anything is created: the node and both storages exist, the image storage takes
 * `import` content, the VMID is in the template range and free. The command runs them before it queues
 * a job (so bad input changes nothing), and the job runs them again (config or the cluster may have
 * changed while it waited).
 */
import { UserError } from "../../errors.js";
import type { VmidReservations } from "../../locks/ports.js";
import type { Proxmox, StorageInfo } from "../../proxmox.js";
import type { TemplatesConfig } from "./config.js";

export interface StoragePlacement {
  /** Semaphore keys: a shared storage is one resource cluster-wide, a local one is per node. */
  imageKey: string;
  storageKey: string;
}

/**
 * `download-url` with content `import` for .qcow2/.raw files and `import-from` an import volume arrived in
 * PVE 8.4 (pve-storage 8.3.6, qemu-server 8.3); older releases need root and a shell for the same result.
 */
export function supportsImport(release: string): boolean {
  const m = /^(\d+)\.(\d+)/.exec(release);
  if (!m) return false;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > 8 || (major === 8 && minor >= 4);
}

export async function checkVersion(proxmox: Proxmox): Promise<void> {
  const { release, version } = await proxmox.version();
  if (!supportsImport(release)) {
    throw new UserError(
      "E_CONFIG",
      `Proxmox VE ${version} cannot build templates over the API: importing cloud images needs PVE 8.4 or later`,
    );
  }
}

export async function checkNode(proxmox: Proxmox, node: string): Promise<void> {
  const nodes = await proxmox.nodes();
  const found = nodes.find((n) => n.node === node);
  const names = nodes.map((n) => n.node).sort();
  if (!found) throw new UserError("E_ARGS", `unknown node "${node}"; nodes: ${names.join(", ")}`);
  if (found.status !== "online") {
    const online = nodes.filter((n) => n.status === "online").map((n) => n.node);
    throw new UserError(
      "E_ARGS",
      `node "${node}" is ${found.status}; online nodes: ${online.join(", ") || "none"}`,
    );
  }
}

function describe(list: StorageInfo[]): string {
  return list.map((s) => `${s.storage} (${s.content.join(",")})`).join(", ") || "none";
}

export async function checkStorages(
  proxmox: Proxmox,
  node: string,
  settings: { storage: string; imageStorage: string },
): Promise<StoragePlacement> {
  const all = await proxmox.listStorage(node);
  const enabled = all.filter((s) => s.enabled);
  const target = enabled.find((s) => s.storage === settings.storage);
  if (!target) {
    const valid = enabled.filter((s) => s.content.includes("images"));
    throw new UserError(
      "E_ARGS",
      `unknown storage "${settings.storage}" on ${node}; storages for VM disks there: ${describe(valid)}`,
    );
  }
  if (!target.content.includes("images")) {
    throw new UserError(
      "E_ARGS",
      `storage "${settings.storage}" on ${node} does not hold VM disks (content: ${target.content.join(",")}); ` +
        `use one of: ${describe(enabled.filter((s) => s.content.includes("images")))}`,
    );
  }
  const image = enabled.find((s) => s.storage === settings.imageStorage);
  if (!image) {
    throw new UserError(
      "E_ARGS",
      `unknown image storage "${settings.imageStorage}" on ${node}; storages there: ${describe(enabled)}`,
    );
  }
  if (!image.content.includes("import")) {
    throw new UserError(
      "E_CONFIG",
      `storage "${image.storage}" does not allow content "import", which cloud image downloads need: an admin ` +
        `adds "Import" to its content (Datacenter → Storage → ${image.storage} → Content, or ` +
        `\`pvesm set ${image.storage} --content ${[...image.content, "import"].join(",")}\`), ` +
        `or sets templates.defaults.imageStorage to a storage that has it` +
        (enabled.some((s) => s.content.includes("import"))
          ? ` (${enabled
              .filter((s) => s.content.includes("import"))
              .map((s) => s.storage)
              .join(", ")})`
          : ""),
    );
  }
  return {
    imageKey: image.shared ? `storage:${image.storage}` : `storage:${node}:${image.storage}`,
    storageKey: target.shared ? `storage:${target.storage}` : `storage:${node}:${target.storage}`,
  };
}

/**
 * The pool new templates go into (`templates.pool`). PVE checks VM.Allocate for a create on
 * `/pool/<pool>` only when `pool` is passed, and later calls inherit pool rights only for members, so
 * the token must hold VM.Allocate there. The token's permissions are readable by the token itself; a
 * pool that does not exist has no ACLs (deleting a pool deletes them), so it shows as no privileges too.
 */
export async function checkPool(proxmox: Proxmox, pool: string): Promise<void> {
  const privileges = await proxmox.privileges(`/pool/${pool}`);
  if (!privileges.includes("VM.Allocate")) {
    throw new UserError("E_CONFIG", poolProblem(pool, `the API token has no VM.Allocate on /pool/${pool}`));
  }
}

/** The clear error for a pool that is missing or not granted, naming the setting and the fix. */
export function poolProblem(pool: string, what: string): string {
  return (
    `templates.pool: ${what}: the pool "${pool}" does not exist or the bot's token and its user were not ` +
    `granted the guest role on it. An admin creates it with \`pveum pool add ${pool}\` and grants the roles ` +
    "as docs/PROXMOX.md shows, or sets templates.pool to the bot's pool"
  );
}

const ARCH_ALIASES: Record<string, string> = { arm64: "aarch64", amd64: "x86_64" };

/** The node's architecture in the catalog's words (`x86_64`, `aarch64`); undefined when not reported. */
export async function nodeArch(proxmox: Proxmox, node: string): Promise<string | undefined> {
  const reported = (await proxmox.nodeStatus(node)).arch;
  return reported ? (ARCH_ALIASES[reported] ?? reported) : undefined;
}

/**
 * An image runs only on a node of its architecture: an aarch64 cloud image imported on an x86_64 node
 * gives a template that never boots (PVE would need `arch: aarch64` and emulation), and the reverse.
 */
export async function checkArch(
  proxmox: Proxmox,
  node: string,
  image: { key: string; arch: string },
): Promise<void> {
  const arch = await nodeArch(proxmox, node);
  if (arch === undefined) {
    throw new UserError(
      "E_PVE",
      `node "${node}" did not report its architecture, so ${image.key} cannot be checked against it`,
    );
  }
  if (arch !== image.arch) {
    throw new UserError(
      "E_ARGS",
      `${image.key} is an ${image.arch} image and node "${node}" is ${arch}: build it on an ${image.arch} node, ` +
        `or pick the ${arch} variant of the distro (\`template distros\` lists the architectures)`,
    );
  }
}

/** VMIDs PVE knows, cluster-wide. */
export async function takenVmids(proxmox: Proxmox): Promise<Set<number>> {
  const resources = await proxmox.clusterResources("vm");
  return new Set(resources.flatMap((r) => (r.type === "qemu" || r.type === "lxc" ? [r.vmid] : [])));
}

/** An explicitly requested VMID: in range, unknown to PVE, not held by another build. */
export async function checkRequestedVmid(
  proxmox: Proxmox,
  reservations: VmidReservations,
  config: TemplatesConfig,
  vmid: number,
): Promise<void> {
  const { min, max } = config.vmidRange;
  if (vmid < min || vmid > max) {
    throw new UserError(
      "E_ARGS",
      `VMID ${vmid} is outside the template range ${min}–${max} (templates.vmidRange)`,
    );
  }
  if ((await takenVmids(proxmox)).has(vmid)) throw new UserError("E_ARGS", `VMID ${vmid} is already taken`);
  if ((await reservations.reserved(vmid, vmid)).has(vmid)) {
    throw new UserError("E_ARGS", `VMID ${vmid} is reserved by another template build`);
  }
}
