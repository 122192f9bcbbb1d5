/** Read-only calls: version, nodes, cluster resources, VM config/status, snapshots, storage. */

import { UserError } from "../../services/errors.js";
import type { Proxmox } from "../../services/proxmox.js";
import { checkNode, checkStorage, checkVmid } from "../../services/pve/ids.js";
import type { ClientCore } from "./core.js";
import * as map from "./map.js";

type Reads = Pick<
  Proxmox,
  | "version"
  | "nodes"
  | "nodeStatus"
  | "clusterResources"
  | "nextVmid"
  | "vmConfig"
  | "vmStatus"
  | "listSnapshots"
  | "listStorage"
  | "storageStatus"
  | "storageContent"
  | "privileges"
>;

/** An ACL path as pveum writes them: `/`, `/pool/chatops`, `/vms/100`, `/storage/local`. */
const ACL_PATH = /^\/([A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*)?$/;

export function readMethods(core: ClientCore): Reads {
  const { api, call } = core;
  return {
    version: () =>
      call("read the Proxmox VE version", async () => {
        const r = map.asObject(await api.version.$get(), "version");
        return {
          version: String(r.version ?? ""),
          release: String(r.release ?? ""),
          repoid: String(r.repoid ?? ""),
        };
      }),

    nodes: () =>
      call("list the cluster nodes", async () =>
        map.asArray(await api.nodes.$get(), "nodes").map(map.nodeSummary),
      ),

    nodeStatus: async (node) => {
      checkNode(node);
      return call(`read the status of node ${node}`, async () =>
        map.nodeStatus(map.asObject(await api.nodes.$(node).status.$get(), "node status")),
      );
    },

    clusterResources: (type) =>
      call("list the cluster resources", async () => {
        const raw = map.asArray(await api.cluster.resources.$get(type ? { type } : {}), "cluster resources");
        return raw.map(map.clusterResource).filter((r) => r !== undefined);
      }),

    nextVmid: () =>
      call("ask for a free VM id", async () => {
        // Real PVE answers with a string although the schema says integer.
        const id = Number(await api.cluster.nextid.$get());
        return checkVmid(id);
      }),

    vmConfig: async (node, vmid) => {
      checkNode(node);
      checkVmid(vmid);
      return call(`read the config of VM ${vmid} on ${node}`, async () => {
        const raw = map.asObject(await api.nodes.$(node).qemu.$(vmid).config.$get(), "VM config");
        const out: Record<string, string | number> = {};
        for (const [k, v] of Object.entries(raw)) {
          if (typeof v === "string" || typeof v === "number") out[k] = v;
        }
        return out;
      });
    },

    vmStatus: async (node, vmid) => {
      checkNode(node);
      checkVmid(vmid);
      return call(`read the status of VM ${vmid} on ${node}`, async () =>
        map.vmStatus(map.asObject(await api.nodes.$(node).qemu.$(vmid).status.current.$get(), "VM status")),
      );
    },

    listSnapshots: async (node, vmid) => {
      checkNode(node);
      checkVmid(vmid);
      return call(`list the snapshots of VM ${vmid} on ${node}`, async () =>
        map.asArray(await api.nodes.$(node).qemu.$(vmid).snapshot.$get(), "snapshots").map(map.snapshot),
      );
    },

    listStorage: async (node, filter = {}) => {
      checkNode(node);
      return call(`list the storage of node ${node}`, async () =>
        map
          .asArray(await api.nodes.$(node).storage.$get(filter as never), "storage list")
          .map((r) => map.storageInfo(r)),
      );
    },

    storageStatus: async (node, storage) => {
      checkNode(node);
      checkStorage(storage);
      return call(`read the status of storage ${storage} on ${node}`, async () =>
        map.storageInfo(
          map.asObject(await api.nodes.$(node).storage.$(storage).status.$get(), "storage status"),
          storage,
        ),
      );
    },

    storageContent: async (node, storage, filter = {}) => {
      checkNode(node);
      checkStorage(storage);
      if (filter.vmid !== undefined) checkVmid(filter.vmid);
      return call(`list the content of storage ${storage} on ${node}`, async () =>
        map
          .asArray(
            await api.nodes
              .$(node)
              .storage.$(storage)
              .content.$get(filter as never),
            "storage content",
          )
          .map(map.storageContent),
      );
    },

    privileges: async (path) => {
      if (!ACL_PATH.test(path) || path.split("/").some((part) => part === "..")) {
        throw new UserError("E_ARGS", `invalid ACL path ${JSON.stringify(path)}: use e.g. /pool/chatops`);
      }
      return call(`read the API token's permissions on ${path}`, async () => {
        const raw = map.asObject(await api.access.permissions.$get({ path }), "permissions");
        const privs = raw[path];
        return typeof privs === "object" && privs !== null ? Object.keys(privs).sort() : [];
      });
    },
  };
}
