/** The create request of a template VM: import-from, cloud-init, serial console, agent, metadata. */
import type { BuildContext, TemplateServices } from "./deps.js";
import { distroTag, formatMetadata, TEMPLATE_TAG, templateName } from "./metadata.js";

/** The pool the build creates in: fixed at command time; a payload without one takes the configured pool. */
export function poolOf(deps: TemplateServices, ctx: BuildContext): string {
  return ctx.data.pool ?? deps.config.pool;
}

/** The tags every template of this build carries. */
export function buildTags(ctx: BuildContext): string[] {
  return [...new Set([TEMPLATE_TAG, distroTag(ctx.data.distro), ...ctx.data.settings.tags])];
}

export function createRequest(deps: TemplateServices, ctx: BuildContext, vmid: number) {
  const { data, state } = ctx;
  const s = data.settings;
  const builtAt = typeof state.builtAt === "number" ? state.builtAt : deps.clock.now();
  state.builtAt = builtAt;
  const checksum = String(state.checksum);
  const name = data.name ?? templateName(data.distro, builtAt, checksum);
  state.name = name;
  const description = formatMetadata({
    distro: data.distro,
    imageUrl: String(state.imageUrl),
    algorithm: String(state.algorithm),
    checksum,
    builtAt,
    builtBy: data.requestedBy,
    jobId: ctx.jobId,
  });
  return {
    vmid,
    name,
    memoryMiB: s.memory,
    cores: s.cores,
    // Tags follow in a config PUT once the VM is in the pool: qemu-server 9.2 checks tag rights inside
    // the create task, before the VM joins the pool, so pool-only ACLs would fail it after the import.
    pool: poolOf(deps, ctx),
    ...(data.sshKeyText ? { sshKeys: data.sshKeyText } : {}),
    extra: {
      ostype: "l26",
      cpu: s.cpu,
      sockets: 1,
      scsihw: "virtio-scsi-single",
      scsi0: `${s.storage}:0,import-from=${String(state.imageVolid)},discard=on,iothread=1,ssd=1`,
      ide2: `${s.storage}:cloudinit`,
      boot: "order=scsi0",
      serial0: "socket",
      vga: "serial0",
      agent: "enabled=1,fstrim_cloned_disks=1",
      net0: `virtio,bridge=${s.bridge}${s.vlan !== undefined ? `,tag=${s.vlan}` : ""}`,
      ipconfig0: "ip=dhcp",
      ...(s.ciuser ? { ciuser: s.ciuser } : {}),
      description,
    },
  };
}
