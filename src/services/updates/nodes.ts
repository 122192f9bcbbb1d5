/**
 * `update nodes`: the PVE hosts' own pending packages, as `GET /nodes/{node}/apt/update` lists them
 * (the package index as of the host's last `apt update`). Report only: the bot never upgrades a host.
 * PVE wants Sys.Modify on the node for this read; a node the token lacks it on is reported as such.
 */
import { type Proxmox, ProxmoxError } from "../proxmox.js";
import type { ReplyTable } from "../vocabulary/reply.js";
import { mapLimit } from "./targets.js";

export interface NodeUpdates {
  node: string;
  packages: Array<{ name: string; from?: string; to: string }>;
  problem?: string;
}

export async function nodeUpdates(proxmox: Proxmox): Promise<NodeUpdates[]> {
  const nodes = (await proxmox.nodes()).sort((a, b) => a.node.localeCompare(b.node));
  return mapLimit(nodes, 4, async ({ node, status }) => {
    if (status !== "online") return { node, packages: [], problem: `node is ${status}` };
    try {
      const list = await proxmox.nodeAptUpdates(node);
      return {
        node,
        packages: list
          .map((p) => ({ name: p.package, to: p.version, ...(p.oldVersion ? { from: p.oldVersion } : {}) }))
          .sort((a, b) => a.name.localeCompare(b.name)),
      };
    } catch (err) {
      if (!(err instanceof ProxmoxError) || err.transient) throw err;
      const problem =
        err.code === "E_PVE_PERMISSION" ? `the bot's token lacks Sys.Modify on /nodes/${node}` : err.message;
      return { node, packages: [], problem };
    }
  });
}

export function nodeTable(nodes: readonly NodeUpdates[]): ReplyTable {
  return {
    columns: ["Node", "Package", "Installed", "Available"],
    rows: nodes.flatMap((n) =>
      n.problem
        ? [[n.node, "-", "-", n.problem]]
        : n.packages.length === 0
          ? [[n.node, "-", "-", "up to date"]]
          : n.packages.map((p) => [n.node, p.name, p.from ?? "", p.to]),
    ),
  };
}
