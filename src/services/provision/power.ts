/**
 * `vm start|shutdown|reboot|stop`, `vm delete`, `vm snapshot` and `vm snapshots`. Each waits for its PVE
 * task and answers with the outcome. A state that makes the action pointless (start a running VM) is
 * answered without a request. A request whose answer was lost is not sent again before the VM's state
 * (or, for a snapshot, its task and the snapshot by name) says it did not happen.
 */
import { UserError } from "../errors.js";
import { formatEpoch } from "../inventory/format.js";
import type { Proxmox } from "../proxmox.js";
import { checkSnapshotName } from "../pve/ids.js";
import { answerLost, findStartedTask, goneOrOutOfScope } from "../templates/build/recover.js";
import type { Reply } from "../vocabulary/reply.js";
import type { ProvisionServices } from "./deps.js";
import { refuseTemplate, type VmTarget } from "./vm-target.js";

export type PowerAction = "start" | "shutdown" | "reboot" | "stop";

const DONE: Record<
  PowerAction,
  { verb: string; wanted: "running" | "stopped"; needs: "running" | "stopped" }
> = {
  start: { verb: "started", wanted: "running", needs: "stopped" },
  shutdown: { verb: "shut down", wanted: "stopped", needs: "running" },
  reboot: { verb: "rebooted", wanted: "running", needs: "running" },
  stop: { verb: "stopped", wanted: "stopped", needs: "running" },
};

type Deps = Pick<ProvisionServices, "proxmox" | "follower" | "sleep" | "settleMs">;

function send(proxmox: Proxmox, action: PowerAction, node: string, vmid: number): Promise<string> {
  switch (action) {
    case "start":
      return proxmox.startVm(node, vmid);
    case "shutdown":
      return proxmox.shutdownVm(node, vmid);
    case "reboot":
      return proxmox.rebootVm(node, vmid);
    case "stop":
      return proxmox.stopVm(node, vmid);
  }
}

export async function powerVm(deps: Deps, vm: VmTarget, action: PowerAction): Promise<Reply> {
  refuseTemplate(vm, `vm ${action}`);
  const { verb, wanted, needs } = DONE[action];
  const status = (await deps.proxmox.vmStatus(vm.node, vm.vmid)).status;
  if (status !== needs) {
    return {
      text: `${vm.name} (${vm.vmid}) is already ${status}; nothing to do.`,
      tone: "info",
      visibility: "ephemeral",
    };
  }
  let upid: string;
  try {
    upid = await send(deps.proxmox, action, vm.node, vm.vmid);
  } catch (err) {
    if (!answerLost(err) || action === "reboot") throw err;
    await deps.sleep(deps.settleMs ?? 2000);
    if ((await deps.proxmox.vmStatus(vm.node, vm.vmid)).status !== wanted) throw err;
    return { text: `${vm.name} (${vm.vmid}) on ${vm.node} ${verb}.`, tone: "success", visibility: "channel" };
  }
  await deps.follower.follow(upid);
  return { text: `${vm.name} (${vm.vmid}) on ${vm.node} ${verb}.`, tone: "success", visibility: "channel" };
}

/** Only the bot's own VMs (its pool) are deleted; a running one is stopped first. */
export function checkDeletable(vm: VmTarget, pool: string): void {
  refuseTemplate(vm, "vm delete");
  if (vm.pool !== pool) {
    throw new UserError(
      "E_FORBIDDEN",
      `${vm.name} (${vm.vmid}) is not in the bot's pool ${pool}${vm.pool ? ` but in ${vm.pool}` : ""}; the bot deletes only VMs it manages`,
    );
  }
  if (Number(vm.config.protection ?? 0) === 1) {
    throw new UserError("E_ARGS", `${vm.name} (${vm.vmid}) has protection on; an admin turns it off first`);
  }
}

export async function deleteVm(deps: Deps & { pool: string }, vm: VmTarget): Promise<Reply> {
  checkDeletable(vm, deps.pool);
  if ((await deps.proxmox.vmStatus(vm.node, vm.vmid)).status === "running") {
    await deps.follower.follow(await deps.proxmox.stopVm(vm.node, vm.vmid));
  }
  try {
    await deps.follower.follow(
      await deps.proxmox.destroyVm(vm.node, vm.vmid, { purge: true, destroyUnreferencedDisks: true }),
    );
  } catch (err) {
    if (!answerLost(err)) throw err;
    await deps.sleep(deps.settleMs ?? 2000);
    const still = await deps.proxmox.vmConfig(vm.node, vm.vmid).catch((e: unknown) => {
      if (goneOrOutOfScope(e)) return undefined;
      throw e;
    });
    if (still && still.lock !== "destroyed") throw err;
  }
  return {
    text: `Deleted ${vm.name} (${vm.vmid}) on ${vm.node} with its disks.`,
    tone: "success",
    visibility: "channel",
  };
}

/** `chatops-20261204-1630`: a default snapshot name that sorts by time and satisfies PVE's rule. */
export function defaultSnapshotName(nowMs: number): string {
  const iso = new Date(nowMs).toISOString();
  return `chatops-${iso.slice(0, 10).replace(/-/g, "")}-${iso.slice(11, 19).replace(/:/g, "")}`;
}

/** Sends of one snapshot whose answers were lost (each after looking for its effect) before giving up. */
const SNAPSHOT_SENDS = 3;

export async function snapshotVm(
  deps: Pick<ProvisionServices, "proxmox" | "follower" | "clock" | "sleep" | "settleMs">,
  vm: VmTarget,
  name: string,
  requestedBy: string,
): Promise<Reply> {
  refuseTemplate(vm, "vm snapshot");
  checkSnapshotName(name);
  if (await hasSnapshot(deps.proxmox, vm, name)) {
    throw new UserError("E_ARGS", `${vm.name} (${vm.vmid}) already has a snapshot named ${name}`);
  }
  const taken: Reply = {
    text: `Snapshot ${name} of ${vm.name} (${vm.vmid}) taken.`,
    tone: "success",
    visibility: "channel",
  };
  for (let send = 1; ; send++) {
    const sentAtMs = deps.clock.now();
    let upid: string;
    try {
      upid = await deps.proxmox.createSnapshot(vm.node, vm.vmid, {
        name,
        description: `taken by proxmox-chatops for ${requestedBy}`,
      });
    } catch (err) {
      if (!answerLost(err) || send >= SNAPSHOT_SENDS) throw err;
      // The request may have reached PVE: sent again blindly it would fail on the name already used.
      // A snapshot task of this VM since the send is waited out (PVE adds the snapshot when it ends),
      // then the snapshot is looked for by name: a task of an earlier snapshot names no snapshot.
      await deps.sleep(deps.settleMs ?? 2000);
      const task = await findStartedTask(deps, vm.node, {
        type: "qmsnapshot",
        id: String(vm.vmid),
        sentAtMs,
      });
      if (task) await deps.follower.follow(task.upid);
      if (await hasSnapshot(deps.proxmox, vm, name)) return taken;
      continue;
    }
    await deps.follower.follow(upid);
    return taken;
  }
}

async function hasSnapshot(proxmox: Proxmox, vm: VmTarget, name: string): Promise<boolean> {
  return (await proxmox.listSnapshots(vm.node, vm.vmid)).some((s) => s.name === name);
}

export async function snapshotsReply(proxmox: Proxmox, vm: VmTarget): Promise<Reply> {
  const snapshots = (await proxmox.listSnapshots(vm.node, vm.vmid)).filter((s) => s.name !== "current");
  if (snapshots.length === 0) {
    return { text: `${vm.name} (${vm.vmid}) has no snapshots.`, tone: "info", visibility: "ephemeral" };
  }
  return {
    title: `Snapshots of ${vm.name} (${vm.vmid})`,
    table: {
      columns: ["name", "taken", "parent", "RAM", "description"],
      rows: snapshots
        .sort((a, b) => (a.snaptime ?? 0) - (b.snaptime ?? 0))
        .map((s) => [
          s.name,
          formatEpoch(s.snaptime),
          s.parent ?? "",
          s.vmstate ? "yes" : "no",
          s.description.trim(),
        ]),
    },
    visibility: "ephemeral",
  };
}
