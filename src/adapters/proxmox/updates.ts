/**
 * The calls guest updates add to the port: OS detection through the agent and the hosts' pending
 * packages (a VM reboot is one of the power actions, actions.ts). Kept apart from the other method groups
 * so the update feature stays in one place.
 */
import type { Proxmox } from "../../services/proxmox.js";
import { checkNode, checkVmid } from "../../services/pve/ids.js";
import type { ClientCore } from "./core.js";
import * as map from "./map.js";

type Updates = Pick<Proxmox, "agentOsInfo" | "nodeAptUpdates">;

const text = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

export function updateMethods(core: ClientCore): Updates {
  const { api, call } = core;
  const vm = (node: string, vmid: number) => api.nodes.$(checkNode(node)).qemu.$(checkVmid(vmid));

  return {
    agentOsInfo: async (node, vmid) => {
      const target = vm(node, vmid);
      return call(`read the OS of VM ${vmid} on ${node}`, async () => {
        const r = map.asObject(
          map.asObject(await target.agent["get-osinfo"].$get(), "get-osinfo").result,
          "osinfo",
        );
        const info = {
          id: text(r.id),
          name: text(r.name),
          prettyName: text(r["pretty-name"]),
          versionId: text(r["version-id"]),
          kernelRelease: text(r["kernel-release"]),
        };
        return Object.fromEntries(Object.entries(info).filter(([, v]) => v !== undefined));
      });
    },

    nodeAptUpdates: async (node) => {
      const target = api.nodes.$(checkNode(node));
      return call(`read the pending updates of node ${node}`, async () =>
        map.asArray(await target.apt.update.$get(), "apt updates").map((r) => ({
          package: String(r.Package ?? ""),
          version: String(r.Version ?? ""),
          ...(text(r.OldVersion) ? { oldVersion: text(r.OldVersion) } : {}),
          ...(text(r.Title) ? { title: text(r.Title) } : {}),
          ...(text(r.Origin) ? { origin: text(r.Origin) } : {}),
          ...(text(r.Priority) ? { priority: text(r.Priority) } : {}),
        })),
      );
    },
  };
}
