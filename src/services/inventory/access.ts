/**
 * Where commands find the Proxmox port. `CommandServices` gets a `proxmox` field from the lead; until
 * then the cast lives here only, so switching to `services.proxmox` is a one-line change.
 */
import type { CommandServices } from "../../commands/definition.js";
import type { Proxmox } from "../proxmox.js";

export function proxmoxOf(services: CommandServices): Proxmox {
  const proxmox = (services as CommandServices & { proxmox?: Proxmox }).proxmox;
  if (!proxmox) throw new Error("the Proxmox client is not wired into the command services");
  return proxmox;
}
