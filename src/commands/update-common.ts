/** What every `update …` command shares: the update services or a clear E_CONFIG, and the target words. */
import { z } from "zod";
import { UserError } from "../services/errors.js";
import type { UpdateServices } from "../services/updates/deps.js";
import type { CommandServices } from "./definition.js";

export function updatesOf(services: CommandServices): UpdateServices {
  if (!services.updates) {
    throw new UserError(
      "E_CONFIG",
      "update commands need a Proxmox connection; an admin sets proxmox.url and a token (PROXMOX_URL, PROXMOX_TOKEN_ID, PROXMOX_TOKEN_SECRET)",
    );
  }
  return services.updates;
}

export const targetWords = z
  .array(z.string().min(1).max(200))
  .min(1)
  .max(200)
  .describe("VM ids or names, tag:<t>, pool:<p>, node:<n>; several separated by spaces or commas");
