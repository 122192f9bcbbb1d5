/**
 * A `vm create` rig on real parts: the template rig (PVE simulator with the documented token, the
 * proxmox-api client, Redis reservations, a real BullMQ queue and worker) plus the provisioning services
 * with a `provision:` config of the test's choosing.
 */
import type { CommandContext, CommandServices } from "../../src/commands/definition.js";
import { type ProvisionConfigInput, provisionConfigSchema } from "../../src/services/provision/config.js";
import { type ProvisionServices, provisionServices } from "../../src/services/provision/deps.js";
import { createVmCreateJob } from "../../src/services/provision/job.js";
import type { Actor } from "../../src/services/vocabulary/identity.js";
import type { Reply } from "../../src/services/vocabulary/reply.js";
import { alice, type Rig, startRig } from "../templates/build/rig.js";

export { KEY } from "../templates/build/rig.js";

export interface ProvisionRig extends Rig {
  provision: ProvisionServices;
  /** A command context whose services carry the queue and the provisioning services. */
  ctx(actor?: Actor): CommandContext;
  /** The last card of a finished job. */
  finalCard(): Reply;
  /** VMs in the provisioning range the simulator holds. */
  created(): {
    vmid: number;
    name: string;
    node: string;
    status: string;
    config: Record<string, string | number>;
  }[];
}

export const DOCKER_KEY =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ops@example";

/** The `provision:` networks every rig (and a child worker of the kill test) starts from. */
export const LAB_NETWORKS = { networks: [{ name: "lab", cidr: "10.20.0.0/24", gateway: "10.20.0.1" }] };

export async function startProvisionRig(
  options: {
    sim?: NonNullable<Parameters<typeof startRig>[0]>["sim"];
    provision?: ProvisionConfigInput;
    attempts?: number;
    /** Start the rig's worker; default true. */
    worker?: boolean;
  } = {},
): Promise<ProvisionRig> {
  let provision: ProvisionServices | undefined;
  const config = provisionConfigSchema.parse({ ...LAB_NETWORKS, ...options.provision });
  const rig = await startRig({
    sim: { agentStartDelayMs: 60, execDurationMs: 20, ...options.sim },
    attempts: options.attempts,
    ...(options.worker !== undefined ? { worker: options.worker } : {}),
    extraJobs: (deps) => {
      provision = provisionServices(deps, config, { pollMs: 20, settleMs: 30 });
      return [createVmCreateJob(provision)];
    },
  });
  const services = provision!;
  return Object.assign(rig, {
    provision: services,
    ctx(actor: Actor = alice): CommandContext {
      const base = rig.context(actor);
      return { ...base, services: { ...base.services, provision: services } as CommandServices };
    },
    finalCard(): Reply {
      const reply = rig.jobs.chat.edits.at(-1)?.reply;
      if (!reply) throw new Error("no card edit");
      return reply;
    },
    created() {
      const { min, max } = config.vmidRange;
      return [...rig.sim.sim.state.vms.values()]
        .filter((vm) => vm.vmid >= min && vm.vmid <= max)
        .map((vm) => ({
          vmid: vm.vmid,
          name: String(vm.config.name ?? ""),
          node: vm.node,
          status: vm.status,
          config: vm.config,
        }))
        .sort((a, b) => a.vmid - b.vmid);
    },
  });
}

export function cardText(reply: Reply): string {
  return [reply.title, reply.text, ...(reply.fields ?? []).map((f) => `${f.label}: ${f.value}`)].join("\n");
}
