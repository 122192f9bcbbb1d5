/**
 * The `vm <vmid|name>` detail: status, a config summary, snapshots and tags. The guest is found in the
 * cluster resources (which say on which node it lives); config and status are then read from that
 * node, so they are current even when the resource cache lags.
 */

import { UserError } from "../errors.js";
import type { GuestResource, Proxmox, SnapshotInfo, VmConfig, VmStatus } from "../proxmox.js";
import { checkVmRef, looksLikeVmid, parseVmid, VM_NAME_PATTERN, VM_REF_RULE } from "../pve/ids.js";
import { propertyString } from "../pve/property-string.js";
import type { Reply, ReplyField } from "../vocabulary/reply.js";
import { formatBytes, formatEpoch, formatPercent, formatUptime } from "./format.js";

const DISK_KEY = /^(scsi|virtio|sata|ide|efidisk|tpmstate)\d+$/;
const NET_KEY = /^net\d+$/;

export function findGuest(guests: GuestResource[], ref: string): GuestResource {
  if (looksLikeVmid(ref)) {
    const vmid = parseVmid(ref);
    const hit = guests.find((g) => g.vmid === vmid);
    if (!hit) throw new UserError("E_NOT_FOUND", `no VM ${vmid} that the bot can see; \`vms\` lists them`);
    return hit;
  }
  if (!VM_NAME_PATTERN.test(ref)) {
    throw new UserError("E_ARGS", `invalid VM reference ${JSON.stringify(ref.slice(0, 64))}: ${VM_REF_RULE}`);
  }
  const hits = guests.filter((g) => g.name?.toLowerCase() === ref.toLowerCase());
  if (hits.length === 0) {
    throw new UserError("E_NOT_FOUND", `no VM named ${ref} that the bot can see; \`vms\` lists them`);
  }
  if (hits.length > 1) {
    const ids = hits.map((g) => `${g.vmid} (${g.node})`).join(", ");
    throw new UserError("E_ARGS", `${hits.length} VMs are named ${ref}: ${ids}; give the VM id instead`);
  }
  return hits[0]!;
}

export function summarizeDisks(config: VmConfig): string {
  const disks = Object.keys(config)
    .filter((k) => DISK_KEY.test(k))
    .sort()
    .flatMap((k) => {
      const p = propertyString(config[k]);
      if (p.get("media") === "cdrom")
        return String(config[k]).includes("cloudinit") ? [`${k} cloud-init`] : [];
      const storage = (p.get("") ?? "").split(":")[0];
      return [`${k} ${p.get("size") ?? "?"} on ${storage}`];
    });
  return disks.join(", ") || "none";
}

export function summarizeNetworks(config: VmConfig): string {
  const nets = Object.keys(config)
    .filter((k) => NET_KEY.test(k))
    .sort()
    .map((k) => {
      const p = propertyString(config[k]);
      const model = (p.get("") ?? "").split("=")[0] || [...p.keys()][0] || "?";
      const tag = p.get("tag") ? ` vlan ${p.get("tag")}` : "";
      return `${k} ${p.get("bridge") ?? "?"}${tag} (${model})`;
    });
  return nets.join(", ") || "none";
}

function agentEnabled(value: string | number | undefined): boolean {
  const p = propertyString(value);
  const v = p.get("enabled") ?? p.get("");
  return v === "1" || v === "on" || v === "yes" || v === "true";
}

export function vmReply(
  guest: GuestResource,
  config: VmConfig,
  status: VmStatus,
  snaps: SnapshotInfo[],
): Reply {
  const name = String(config.name ?? status.name ?? guest.name ?? "");
  const running = status.status === "running";
  const memMiB = Number(
    propertyString(config.memory).get("current") ?? propertyString(config.memory).get("") ?? Number.NaN,
  );
  const tags = String(config.tags ?? "")
    .split(/[;,\s]+/)
    .filter(Boolean);
  const fields: ReplyField[] = [
    { label: "Node", value: guest.node },
    { label: "Status", value: running ? `running for ${formatUptime(status.uptime)}` : status.status },
  ];
  if (status.template || config.template === 1) fields.push({ label: "Template", value: "yes" });
  const lock = config.lock ?? status.lock;
  if (lock) fields.push({ label: "Lock", value: String(lock) });
  fields.push(
    { label: "CPU", value: `${config.sockets ?? 1} socket × ${config.cores ?? 1} cores` },
    {
      label: "Memory",
      value:
        (Number.isFinite(memMiB) ? formatBytes(memMiB * 1024 * 1024) : "?") +
        (running ? `, ${formatBytes(status.mem)} in use, CPU ${formatPercent(status.cpu)}` : ""),
    },
    { label: "Disks", value: summarizeDisks(config) },
    { label: "Network", value: summarizeNetworks(config) },
    { label: "Guest agent", value: agentEnabled(config.agent) ? "enabled" : "not enabled" },
    { label: "Tags", value: tags.join(", ") || "none" },
  );
  if (guest.pool) fields.push({ label: "Pool", value: guest.pool });
  const real = snaps
    .filter((s) => s.name !== "current")
    .sort((a, b) => (b.snaptime ?? 0) - (a.snaptime ?? 0));
  const reply: Reply = {
    title: `VM ${guest.vmid}${name ? ` ${name}` : ""}`,
    tone: lock ? "warning" : "info",
    fields,
    text:
      real.length === 0
        ? "No snapshots."
        : `${real.length} snapshot${real.length > 1 ? "s" : ""}, newest first:`,
  };
  if (real.length > 0) {
    const rows = real.map((s) => [
      s.name,
      formatEpoch(s.snaptime),
      s.vmstate ? "yes" : "no",
      // Whole: the renderer shortens a long cell in the message and keeps it whole in the attached file.
      s.description.replace(/\s+/g, " "),
    ]);
    reply.table = { columns: ["Snapshot", "Taken", "RAM", "Description"], rows };
  }
  return reply;
}

export async function vmReport(px: Proxmox, ref: string): Promise<Reply> {
  // Checked before the cluster listing, so a malformed reference costs no request.
  checkVmRef(ref);
  const resources = await px.clusterResources("vm");
  const guests = resources.filter((r): r is GuestResource => r.type === "qemu" || r.type === "lxc");
  const guest = findGuest(guests, ref);
  if (guest.type !== "qemu") {
    throw new UserError("E_ARGS", `${guest.vmid} is a container; \`vm\` shows QEMU virtual machines only`);
  }
  const [config, status, snaps] = await Promise.all([
    px.vmConfig(guest.node, guest.vmid),
    px.vmStatus(guest.node, guest.vmid),
    px.listSnapshots(guest.node, guest.vmid),
  ]);
  return vmReply(guest, config, status, snaps);
}
