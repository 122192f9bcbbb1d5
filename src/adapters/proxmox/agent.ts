/**
 * QEMU guest agent calls. They answer synchronously; PVE reports "No QEMU guest agent configured",
 * "VM n is not running" or "QEMU guest agent is not running" as 500s, which reach the caller as E_PVE.
 * On PVE 9 exec and exec-status need VM.GuestAgent.Unrestricted, on PVE 8 VM.Monitor.
 */
import { UserError } from "../../services/errors.js";
import type { Proxmox } from "../../services/proxmox.js";
import { checkNode, checkVmid } from "../../services/pve/ids.js";
import type { ClientCore } from "./core.js";
import * as map from "./map.js";

type Agent = Pick<Proxmox, "agentPing" | "agentExec" | "agentExecStatus" | "agentNetworkInterfaces">;

/** PVE refuses more than 64 KiB of stdin for exec. */
const MAX_INPUT_BYTES = 64 * 1024;

export function agentMethods(core: ClientCore): Agent {
  const { api, call } = core;
  const agent = (node: string, vmid: number) => api.nodes.$(checkNode(node)).qemu.$(checkVmid(vmid)).agent;

  return {
    agentPing: async (node, vmid) => {
      const target = agent(node, vmid);
      await call(`reach the guest agent of VM ${vmid} on ${node}`, () => target.ping.$post());
    },

    agentExec: async (node, vmid, command, inputData) => {
      const target = agent(node, vmid);
      if (command.length === 0 || command.some((c) => typeof c !== "string" || c.length === 0)) {
        throw new UserError(
          "E_ARGS",
          "guest command: give the program and its arguments as non-empty strings",
        );
      }
      if (inputData !== undefined && Buffer.byteLength(inputData) > MAX_INPUT_BYTES) {
        throw new UserError("E_ARGS", "guest command input is larger than the 64 KiB Proxmox accepts");
      }
      return call(`run ${command[0]} in VM ${vmid} on ${node}`, async () => {
        const r = map.asObject(
          await target.exec.$post({ command, "input-data": inputData } as never),
          "exec",
        );
        const pid = map.num(r.pid);
        if (pid === undefined) throw new Error("PVE did not return a pid for agent exec");
        return pid;
      });
    },

    agentExecStatus: async (node, vmid, pid) => {
      const target = agent(node, vmid);
      if (!Number.isInteger(pid) || pid < 0) throw new UserError("E_ARGS", `invalid guest pid ${pid}`);
      return call(`read the result of guest process ${pid} in VM ${vmid} on ${node}`, async () =>
        map.execStatus(map.asObject(await target["exec-status"].$get({ pid }), "exec-status")),
      );
    },

    agentNetworkInterfaces: async (node, vmid) => {
      const target = agent(node, vmid);
      return call(`read the network interfaces of VM ${vmid} on ${node}`, async () =>
        map.agentInterfaces(await target["network-get-interfaces"].$get()),
      );
    },
  };
}
