/**
 * PVE's own record of when a VM was created: qemu-server writes `meta: creation-qemu=…,ctime=<s>` into
 * every new VM's config. A VM destroyed and created again under the same VMID (and name) has another
 * ctime, so it tells "the VM someone approved" from "a new VM that took its id".
 */

/** `creation-qemu=9.2.0,ctime=1733300000` → 1733300000000; undefined when the key is missing. */
export function createdAtOf(meta: unknown): number | undefined {
  const match = typeof meta === "string" ? /(?:^|,)ctime=(\d+)/.exec(meta) : null;
  return match ? Number(match[1]) * 1000 : undefined;
}
