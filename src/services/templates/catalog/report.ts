/**
 * The `template distros` listing: one compact row per image, so a user can pick a key for a build. Every
 * image is a row; the command pages them and `--family` narrows them.
 */

import { UserError } from "../../errors.js";
import type { Reply } from "../../vocabulary/reply.js";
import type { ImageCatalog } from "./catalog.js";
import type { CatalogEntry, CatalogFamily } from "./schema.js";

const AGENT_LABEL: Record<CatalogEntry["guestAgent"], string> = {
  preinstalled: "preinstalled",
  "cloud-init-package": "cloud-init",
  none: "none",
};

export function distrosReport(catalog: ImageCatalog, family?: string): Reply {
  const families = catalog.families();
  let entries: readonly CatalogEntry[] = catalog.all();
  if (family !== undefined) {
    const wanted = family.trim().toLowerCase();
    if (!families.includes(wanted as CatalogFamily)) {
      throw new UserError(
        "E_ARGS",
        `unknown family '${family.slice(0, 30)}'; families: ${families.join(", ")}`,
      );
    }
    entries = catalog.byFamily(wanted as CatalogFamily);
  }
  const rows = entries.map((e) => [
    e.key,
    e.name,
    e.version,
    e.arch,
    e.family,
    e.loginUser,
    AGENT_LABEL[e.guestAgent],
  ]);
  const scope = family === undefined ? "" : `, family ${family.trim().toLowerCase()}`;
  return {
    title: `Cloud images${scope} (${rows.length})`,
    table: { columns: ["key", "name", "version", "arch", "family", "login", "agent"], rows },
    text: "agent: preinstalled in the image, or installed by cloud-init at first boot. aarch64 images need an aarch64 node.",
    tone: "info",
  };
}
