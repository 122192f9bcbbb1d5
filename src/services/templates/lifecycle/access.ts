/**
 * Where template commands find their services. A bot wired without Proxmox has none; the commands then
 * answer E_CONFIG instead of failing.
 */
import type { CommandServices } from "../../../commands/definition.js";
import { UserError } from "../../errors.js";
import type { BuildDeps } from "../build/stages.js";

export type TemplateServices = BuildDeps;

export function templatesOf(services: CommandServices): TemplateServices {
  const templates = services.templates;
  if (!templates) {
    throw new UserError(
      "E_CONFIG",
      "template commands need a Proxmox connection and the image catalog; an admin sets proxmox.url and a token",
    );
  }
  return templates;
}

/** "console:alice (Alice)": who asked, as written into the template metadata. */
export function actorLabel(actor: { platform: string; id: string; name: string }): string {
  return `${actor.platform}:${actor.id} (${actor.name})`;
}
