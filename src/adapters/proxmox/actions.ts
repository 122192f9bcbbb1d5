/**
 * Calls that change things: VM lifecycle, snapshots, downloads. Each is sent exactly once (the engine
 * never retries non-GET requests): a timed-out create or clone may still have happened on PVE, and a
 * second attempt would make a duplicate or fail confusingly.
 */
import { UserError } from "../../services/errors.js";
import type { Proxmox } from "../../services/proxmox.js";
import { checkDisk, checkNode, checkSnapshotName, checkStorage, checkVmid } from "../../services/pve/ids.js";
import type { ClientCore } from "./core.js";

type Actions = Pick<
  Proxmox,
  | "updateVmConfig"
  | "createSnapshot"
  | "rollbackSnapshot"
  | "deleteSnapshot"
  | "downloadUrl"
  | "createVm"
  | "resizeDisk"
  | "convertToTemplate"
  | "cloneVm"
  | "destroyVm"
  | "startVm"
  | "shutdownVm"
  | "stopVm"
  | "rebootVm"
>;

const SIZE_PATTERN = /^\+?\d+(\.\d+)?[KMGT]?$/;

/** PVE's `urlencoded` format: the key text percent-encoded once (NOTES §3.4); the form body adds a layer. */
export function encodeSshKeys(keys: string): string {
  return encodeURIComponent(keys);
}

function upid(data: unknown, what: string): string {
  if (typeof data !== "string" || !data.startsWith("UPID:")) {
    throw new Error(`PVE did not return a task id for ${what}`);
  }
  return data;
}

export function actionMethods(core: ClientCore): Actions {
  const { api, call } = core;
  const vm = (node: string, vmid: number) => api.nodes.$(checkNode(node)).qemu.$(checkVmid(vmid));

  return {
    updateVmConfig: async (node, vmid, changes, options = {}) => {
      const target = vm(node, vmid);
      const params: Record<string, unknown> = { ...changes };
      if (typeof params.sshkeys === "string") params.sshkeys = encodeSshKeys(params.sshkeys);
      if (options.delete?.length) params.delete = options.delete.join(",");
      if (options.digest) params.digest = options.digest;
      await call(`change the config of VM ${vmid} on ${node}`, () => target.config.$put(params as never));
    },

    createSnapshot: async (node, vmid, snap) => {
      const target = vm(node, vmid);
      checkSnapshotName(snap.name);
      const params = { snapname: snap.name, description: snap.description, vmstate: snap.vmstate };
      return call(`snapshot VM ${vmid} on ${node} as ${snap.name}`, async () =>
        upid(await target.snapshot.$post(params), "snapshot"),
      );
    },

    rollbackSnapshot: async (node, vmid, name, options = {}) => {
      const target = vm(node, vmid).snapshot.$(checkSnapshotName(name));
      return call(`roll VM ${vmid} on ${node} back to snapshot ${name}`, async () =>
        upid(await target.rollback.$post({ start: options.start }), "rollback"),
      );
    },

    deleteSnapshot: async (node, vmid, name, options = {}) => {
      const target = vm(node, vmid).snapshot.$(checkSnapshotName(name));
      return call(`delete snapshot ${name} of VM ${vmid} on ${node}`, async () =>
        upid(await target.$delete({ force: options.force }), "snapshot delete"),
      );
    },

    downloadUrl: async (node, storage, req) => {
      const target = api.nodes.$(checkNode(node)).storage.$(checkStorage(storage));
      const params = {
        url: req.url,
        filename: req.filename,
        content: req.content,
        checksum: req.checksum,
        "checksum-algorithm": req.checksumAlgorithm,
        "verify-certificates": req.verifyCertificates,
      };
      return call(`download ${req.filename} to storage ${storage} on ${node}`, async () =>
        upid(await target["download-url"].$post(params as never), "download-url"),
      );
    },

    createVm: async (node, req) => {
      checkNode(node);
      checkVmid(req.vmid);
      const params: Record<string, unknown> = {
        ...req.extra,
        vmid: req.vmid,
        name: req.name,
        memory: req.memoryMiB === undefined ? undefined : String(req.memoryMiB),
        cores: req.cores,
        pool: req.pool,
        tags: req.tags?.length ? req.tags.join(";") : undefined,
        sshkeys: req.sshKeys === undefined ? undefined : encodeSshKeys(req.sshKeys),
      };
      return call(`create VM ${req.vmid} on ${node}`, async () =>
        upid(await api.nodes.$(node).qemu.$post(params as never), "create"),
      );
    },

    resizeDisk: async (node, vmid, disk, size) => {
      const target = vm(node, vmid);
      checkDisk(disk);
      if (!SIZE_PATTERN.test(size)) {
        throw new UserError(
          "E_ARGS",
          `invalid disk size ${JSON.stringify(size)}: use +2G to grow or 10G to set`,
        );
      }
      return call(`resize disk ${disk} of VM ${vmid} on ${node}`, async () =>
        upid(await target.resize.$put({ disk: disk as never, size }), "resize"),
      );
    },

    convertToTemplate: async (node, vmid) => {
      const target = vm(node, vmid);
      return call(`convert VM ${vmid} on ${node} to a template`, async () =>
        upid(await target.template.$post(), "template"),
      );
    },

    cloneVm: async (node, vmid, req) => {
      const target = vm(node, vmid);
      checkVmid(req.newid);
      if (req.storage !== undefined) checkStorage(req.storage);
      if (req.target !== undefined) checkNode(req.target);
      const params = {
        newid: req.newid,
        name: req.name,
        full: req.full,
        storage: req.storage,
        pool: req.pool,
        description: req.description,
      };
      return call(`clone VM ${vmid} on ${node} to ${req.newid}`, async () =>
        upid(await target.clone.$post({ ...params, target: req.target }), "clone"),
      );
    },

    destroyVm: async (node, vmid, options = {}) => {
      const target = vm(node, vmid);
      const params = { purge: options.purge, "destroy-unreferenced-disks": options.destroyUnreferencedDisks };
      return call(`destroy VM ${vmid} on ${node}`, async () => upid(await target.$delete(params), "destroy"));
    },

    startVm: async (node, vmid) => {
      const target = vm(node, vmid);
      return call(`start VM ${vmid} on ${node}`, async () =>
        upid(await target.status.start.$post(), "start"),
      );
    },

    shutdownVm: async (node, vmid, options = {}) => {
      const target = vm(node, vmid);
      const params = { timeout: options.timeoutS, forceStop: options.forceStop };
      return call(`shut down VM ${vmid} on ${node}`, async () =>
        upid(await target.status.shutdown.$post(params), "shutdown"),
      );
    },

    stopVm: async (node, vmid) => {
      const target = vm(node, vmid);
      return call(`stop VM ${vmid} on ${node}`, async () => upid(await target.status.stop.$post(), "stop"));
    },

    rebootVm: async (node, vmid) => {
      const target = vm(node, vmid);
      return call(`reboot VM ${vmid} on ${node}`, async () =>
        upid(await target.status.reboot.$post(), "reboot"),
      );
    },
  };
}
