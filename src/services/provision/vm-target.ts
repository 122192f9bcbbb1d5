/**
 * Finding the VM a power, snapshot or delete command acts on, and the identity an approval is bound to.
 * The identity carries the VM's creation time (`meta: ctime=…`), so a new VM that took the same VMID and
 * name after the approval is another target and is refused at run time.
 */

import { UserError } from "../errors.js";
import { findGuest } from "../inventory/vm.js";
import type { GuestResource, Proxmox, VmConfig } from "../proxmox.js";
import { createdAtOf } from "../pve/vm-meta.js";
import type { ResolvedTargetShape } from "./resolved.js";

export interface VmTarget {
  vmid: number;
  node: string;
  name: string;
  status: string;
  pool?: string;
  template: boolean;
  config: VmConfig;
}

export async function findVm(proxmox: Proxmox, reference: string): Promise<VmTarget> {
  const guests = (await proxmox.clusterResources("vm")).filter((r): r is GuestResource => r.type === "qemu");
  const guest = findGuest(guests, reference);
  const config = await proxmox.vmConfig(guest.node, guest.vmid);
  return {
    vmid: guest.vmid,
    node: guest.node,
    name: String(config.name ?? guest.name ?? guest.vmid),
    status: guest.status,
    ...(guest.pool !== undefined ? { pool: guest.pool } : {}),
    template: Number(config.template ?? 0) === 1,
    config,
  };
}

export function vmIdentity(vm: VmTarget): string {
  const created = createdAtOf(vm.config.meta);
  const ctime = created === undefined ? "?" : created / 1000;
  return `vmid=${vm.vmid} name=${vm.name} node=${vm.node} ctime=${ctime}`;
}

export function vmTarget(vm: VmTarget): ResolvedTargetShape<VmTarget> {
  return {
    identity: vmIdentity(vm),
    fields: [
      { label: "VM", value: `${vm.name} (${vm.vmid})` },
      { label: "Node", value: vm.node },
      { label: "Status", value: vm.status },
      ...(vm.pool ? [{ label: "Pool", value: vm.pool }] : []),
    ],
    value: vm,
  };
}

export function refuseTemplate(vm: VmTarget, what: string): void {
  if (vm.template) {
    throw new UserError(
      "E_ARGS",
      `${vm.name} (${vm.vmid}) is a template; ${what} works on VMs (see \`template delete\`)`,
    );
  }
}
