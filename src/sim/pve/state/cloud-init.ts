/**
 * What cloud-init does with the VM's `ipconfig0`, `name`, `ciuser` and `sshkeys` when the guest boots:
 * the hostname, the IPv4 address the agent later reports, and the login user with its keys. A static
 * `ip=CIDR` is taken as written; `ip=dhcp` gets a lease derived from the VMID (stable across reboots);
 * without `ipconfig0` the guest keeps the address it had.
 */
import type { VmState } from "./types.js";

/** A simulated DHCP server on 10.30.0.0/16: one lease per VMID. */
function dhcpLease(vmid: number): { address: string; prefix: number } {
  return { address: `10.30.${Math.floor(vmid / 250) % 250}.${(vmid % 250) + 2}`, prefix: 16 };
}

export function applyCloudInit(vm: VmState): void {
  const name = vm.config["name"];
  if (name !== undefined) vm.guest.hostname = String(name);
  const ipconfig = vm.config["ipconfig0"];
  if (ipconfig !== undefined) {
    const ip = /(?:^|,)ip=([^,]+)/.exec(String(ipconfig))?.[1];
    if (ip === "dhcp") {
      const lease = dhcpLease(vm.vmid);
      vm.guest.ipv4 = lease.address;
      vm.guest.ipv4Prefix = lease.prefix;
    } else if (ip !== undefined) {
      const [address = "", prefix = "24"] = ip.split("/");
      vm.guest.ipv4 = address;
      vm.guest.ipv4Prefix = Number(prefix);
    }
  }
  const user = vm.config["ciuser"];
  if (user !== undefined) {
    const keys = decodeURIComponent(String(vm.config["sshkeys"] ?? ""))
      .split("\n")
      .filter((l) => l.trim() !== "");
    vm.guest.users = { ...vm.guest.users, [String(user)]: { sshKeys: keys } };
  }
}
