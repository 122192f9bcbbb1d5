/**
 * What a command needs from the wired services, or a configuration error that says what an admin sets.
 * A bot started without a `proxmox` section has no Proxmox port and no template services; their commands
 * then answer E_CONFIG instead of failing.
 */
import type { AlertActions } from "../services/alerts/actions.js";
import { UserError } from "../services/errors.js";
import type { ProvisionServices } from "../services/provision/deps.js";
import type { Proxmox } from "../services/proxmox.js";
import type { TemplateServices } from "../services/templates/build/deps.js";
import type { ImageCatalog } from "../services/templates/catalog/catalog.js";
import type { UpdateServices } from "../services/updates/deps.js";
import type { CommandServices } from "./definition.js";

export function proxmoxOf(services: CommandServices): Proxmox {
  if (!services.proxmox) {
    throw new UserError(
      "E_CONFIG",
      "no Proxmox VE is configured for this bot: an admin sets proxmox.url and an API token (PROXMOX_URL, PROXMOX_TOKEN_ID, PROXMOX_TOKEN_SECRET)",
    );
  }
  return services.proxmox;
}

export function templateCatalogOf(services: CommandServices): ImageCatalog {
  const catalog = services.imageCatalog;
  if (!catalog) {
    throw new UserError(
      "E_CONFIG",
      "this bot has no image catalog wired in; an admin checks the templates.catalog section and the bot's start log",
    );
  }
  return catalog;
}

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

export function provisionOf(services: CommandServices): ProvisionServices {
  const provision = services.provision;
  if (!provision) {
    throw new UserError(
      "E_CONFIG",
      "VM commands need a Proxmox connection; an admin sets proxmox.url and a token (PROXMOX_URL, PROXMOX_TOKEN_ID, PROXMOX_TOKEN_SECRET)",
    );
  }
  return provision;
}

export function updatesOf(services: CommandServices): UpdateServices {
  if (!services.updates) {
    throw new UserError(
      "E_CONFIG",
      "update commands need a Proxmox connection; an admin sets proxmox.url and a token (PROXMOX_URL, PROXMOX_TOKEN_ID, PROXMOX_TOKEN_SECRET)",
    );
  }
  return services.updates;
}

export function alertsOf(services: CommandServices): AlertActions {
  if (!services.alerts) {
    throw new UserError(
      "E_CONFIG",
      "alerting is not set up for this bot: an admin adds an `alerts` section (sources, routes) to the config",
    );
  }
  return services.alerts;
}
