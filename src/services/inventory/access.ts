/**
 * Where commands find the Proxmox port. A bot started without a `proxmox` section has none; its commands
 * then answer with a configuration error instead of failing.
 */
import type { CommandServices } from "../../commands/definition.js";
import { UserError } from "../errors.js";
import type { Proxmox } from "../proxmox.js";

export function proxmoxOf(services: CommandServices): Proxmox {
  if (!services.proxmox) {
    throw new UserError(
      "E_CONFIG",
      "no Proxmox VE is configured for this bot: an admin sets proxmox.url and an API token (PROXMOX_URL, PROXMOX_TOKEN_ID, PROXMOX_TOKEN_SECRET)",
    );
  }
  return services.proxmox;
}
