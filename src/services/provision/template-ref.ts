/**
 * Finding the template a VM is made from, and its first disk. Shared by `vm create` (the job's data) and
 * `template export` (the Terraform resource), so both read a template the same way.
 */
import { UserError } from "../errors.js";
import { findGuest } from "../inventory/vm.js";
import type { Proxmox, VmConfig } from "../proxmox.js";
import type { TemplateRef } from "./request.js";
import { pveSizeBytes } from "./sizes.js";

const BOOT_DISK = /^(scsi|virtio|sata|ide)\d+$/;

/** The disk the guest boots from: the first of `boot: order=…` that is a disk, else the first disk key. */
export function bootDisk(config: VmConfig): { key: string; volume: string; bytes: number } | undefined {
  const isDisk = (key: string) =>
    BOOT_DISK.test(key) && config[key] !== undefined && !/media=cdrom/.test(String(config[key]));
  const order = /order=([^,]+)/.exec(String(config.boot ?? ""))?.[1]?.split(";") ?? [];
  const key = order.find(isDisk) ?? Object.keys(config).filter(isDisk).sort()[0];
  if (key === undefined) return undefined;
  const value = String(config[key]);
  const size = /(?:^|,)size=([^,]+)/.exec(value)?.[1];
  return { key, volume: value.split(",")[0]!, bytes: size ? (pveSizeBytes(size) ?? 0) : 0 };
}

export interface FoundTemplate {
  ref: TemplateRef;
  config: VmConfig;
}

/** The template named by VMID or name among the guests the bot sees; a VM that is no template is refused. */
export async function findTemplate(proxmox: Proxmox, reference: string): Promise<FoundTemplate> {
  const guests = (await proxmox.clusterResources("vm")).filter((r) => r.type === "qemu");
  let guest: ReturnType<typeof findGuest>;
  try {
    guest = findGuest(guests as Parameters<typeof findGuest>[0], reference);
  } catch (err) {
    if (err instanceof UserError && err.code === "E_NOT_FOUND") {
      throw new UserError(
        "E_NOT_FOUND",
        `no template ${reference} that the bot can see; \`template list\` lists them`,
      );
    }
    throw err;
  }
  const config = await proxmox.vmConfig(guest.node, guest.vmid);
  if (Number(config.template ?? 0) !== 1) {
    throw new UserError("E_ARGS", `VM ${guest.vmid} (${guest.name ?? "?"}) is not a template`);
  }
  const disk = bootDisk(config);
  if (!disk) throw new UserError("E_ARGS", `template ${guest.vmid} has no disk to boot from`);
  return {
    config,
    ref: {
      vmid: guest.vmid,
      node: guest.node,
      name: String(config.name ?? guest.name ?? guest.vmid),
      diskKey: disk.key,
      diskBytes: disk.bytes,
      storage: disk.volume.split(":")[0]!,
    },
  };
}
