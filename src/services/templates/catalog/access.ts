/**
 * Where commands find the image catalog. CommandServices has no catalog field yet; until the composition
 * root adds `templateCatalog: Catalog`, this reads it through a cast, and a bot wired without one answers
 * with a configuration error instead of failing.
 */
import type { CommandServices } from "../../../commands/definition.js";
import { UserError } from "../../errors.js";
import type { Catalog } from "./catalog.js";

export function templateCatalogOf(services: CommandServices): Catalog {
  const catalog = (services as unknown as { templateCatalog?: Catalog }).templateCatalog;
  if (!catalog) {
    throw new UserError(
      "E_CONFIG",
      "this bot has no image catalog wired in; an admin checks the templates.catalog section and the bot's start log",
    );
  }
  return catalog;
}
