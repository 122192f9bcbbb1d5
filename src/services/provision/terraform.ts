/**
 * `template export --terraform`: a `proxmox_virtual_environment_vm` resource for the bpg/proxmox
 * Terraform provider that clones the template with its settings (CPU, memory, boot disk, network, agent,
 * cloud-init) and, with a profile, the profile's shape, tags and cloud-init values on top. Post-boot
 * steps have no place in the resource; they are listed in a comment so nobody thinks they were dropped.
 * Every string is written as an HCL quoted template with `\`, `"`, `${` and `%{` escaped.
 */
import type { VmConfig } from "../proxmox.js";
import { propertyString } from "../pve/property-string.js";
import type { Profile } from "./config.js";
import type { TemplateRef } from "./request.js";

/** A quoted HCL string: escapes, and `${`/`%{` doubled so nothing is interpolated. */
export function hclString(value: string): string {
  const escaped = value
    .replace(/\\/g, "\\\\")
    .replace(/"/g, '\\"')
    .replace(/\n/g, "\\n")
    .replace(/\r/g, "\\r")
    .replace(/\t/g, "\\t")
    .replace(/\$\{/g, "$${")
    .replace(/%\{/g, "%%{");
  return `"${escaped}"`;
}

function label(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_-]/g, "_");
  return /^[A-Za-z_]/.test(cleaned) ? cleaned : `vm_${cleaned}`;
}

type Attr = [key: string, value: string | number | boolean | string[]];
interface Block {
  name: string;
  attrs: Attr[];
  blocks?: Block[];
}

function render(value: Attr[1]): string {
  if (Array.isArray(value)) return `[${value.map(hclString).join(", ")}]`;
  return typeof value === "string" ? hclString(value) : String(value);
}

function print(block: Block, indent: string): string[] {
  const width = Math.max(0, ...block.attrs.map(([k]) => k.length));
  const lines = block.attrs.map(([k, v]) => `${indent}  ${k.padEnd(width)} = ${render(v)}`);
  for (const inner of block.blocks ?? []) {
    if (lines.length > 0) lines.push("");
    lines.push(`${indent}  ${inner.name} {`, ...print(inner, `${indent}  `), `${indent}  }`);
  }
  return lines;
}

export interface TerraformInput {
  template: TemplateRef;
  config: VmConfig;
  pool: string;
  profile?: { name: string; value: Profile };
  /** Public key lines of the profile's key names. */
  sshKeys?: string[];
  nameserver?: string;
  searchdomain?: string;
}

function cloudInit(input: TerraformInput): Block | undefined {
  const { config } = input;
  const ci = input.profile?.value.cloudInit;
  const custom = propertyString(ci?.cicustom ?? config.cicustom);
  const files: Attr[] = (["user", "network", "vendor", "meta"] as const).flatMap((kind) => {
    const file = custom.get(kind);
    return file ? [[`${kind}_data_file_id`, file] as Attr] : [];
  });
  const blocks: Block[] = [];
  const ip = propertyString(input.profile?.value.network?.ip === "dhcp" ? "ip=dhcp" : config.ipconfig0);
  if (ip.has("ip") && !custom.has("network")) {
    const ipv4: Attr[] = [["address", ip.get("ip")!]];
    if (ip.has("gw")) ipv4.push(["gateway", ip.get("gw")!]);
    blocks.push({ name: "ip_config", attrs: [], blocks: [{ name: "ipv4", attrs: ipv4 }] });
  }
  const servers = (ci?.nameserver ?? input.nameserver ?? String(config.nameserver ?? ""))
    .split(/\s+/)
    .filter(Boolean);
  const domain = ci?.searchdomain ?? input.searchdomain ?? config.searchdomain;
  if (servers.length > 0 || domain !== undefined) {
    const dns: Attr[] = [];
    if (domain !== undefined) dns.push(["domain", String(domain)]);
    if (servers.length > 0) dns.push(["servers", servers]);
    blocks.push({ name: "dns", attrs: dns });
  }
  const user = ci?.user ?? (config.ciuser !== undefined ? String(config.ciuser) : undefined);
  // The provider refuses user_account together with user_data_file_id.
  if (!custom.has("user") && (user !== undefined || input.sshKeys?.length)) {
    const account: Attr[] = [];
    if (user !== undefined) account.push(["username", user]);
    if (input.sshKeys?.length) account.push(["keys", input.sshKeys]);
    blocks.push({ name: "user_account", attrs: account });
  }
  if (files.length === 0 && blocks.length === 0) return undefined;
  return { name: "initialization", attrs: files, blocks };
}

export function terraformResource(input: TerraformInput): string {
  const { template, config, profile } = input;
  const p = profile?.value;
  const name = profile ? `${profile.name}-1` : `${template.name}-clone`;
  const tags = [...new Set(["chatops", ...(profile ? [profile.name] : []), ...(p?.tags ?? [])])].sort();
  const net = propertyString(config.net0);
  const model = [...net.keys()].find((k) => ["virtio", "e1000", "rtl8139", "vmxnet3"].includes(k));
  const diskGiB = Math.max(p?.disk ?? 0, Math.ceil(template.diskBytes / 1024 ** 3));
  const cpuType = config.cpu !== undefined ? propertyString(config.cpu).get("") : undefined;
  const blocks: Block[] = [
    {
      name: "clone",
      attrs: [
        ["vm_id", template.vmid],
        ["node_name", template.node],
        ["full", true],
      ],
    },
    { name: "agent", attrs: [["enabled", /^(1|enabled=1)(,|$)/.test(String(config.agent ?? ""))]] },
    {
      name: "cpu",
      attrs: [
        ["cores", p?.cores ?? Number(config.cores ?? 1)],
        ...(config.sockets !== undefined ? ([["sockets", Number(config.sockets)]] as Attr[]) : []),
        ...(cpuType ? ([["type", cpuType]] as Attr[]) : []),
      ],
    },
    { name: "memory", attrs: [["dedicated", p?.memory ?? Number(config.memory ?? 512)]] },
    {
      name: "disk",
      attrs: [
        ["datastore_id", template.storage],
        ["interface", template.diskKey],
        ["size", diskGiB],
      ],
    },
  ];
  if (config.net0 !== undefined) {
    const bridge = p?.network?.bridge ?? net.get("bridge");
    const vlan = p?.network?.vlan ?? (net.has("tag") ? Number(net.get("tag")) : undefined);
    blocks.push({
      name: "network_device",
      attrs: [
        ...(bridge ? ([["bridge", bridge]] as Attr[]) : []),
        ...(model ? ([["model", model]] as Attr[]) : []),
        ...(vlan !== undefined ? ([["vlan_id", vlan]] as Attr[]) : []),
      ],
    });
  }
  if (config.ostype !== undefined)
    blocks.push({ name: "operating_system", attrs: [["type", String(config.ostype)]] });
  const init = cloudInit(input);
  if (init) blocks.push(init);
  const attrs: Attr[] = [
    ["name", name],
    ["node_name", template.node],
    ["pool_id", input.pool],
    ["tags", tags],
    [
      "description",
      `Cloned from template ${template.name} (${template.vmid})${profile ? ` with profile ${profile.name}` : ""}`,
    ],
  ];
  const steps = p?.postBoot ?? [];
  const header = [
    `# ${template.name} (VMID ${template.vmid} on ${template.node})${profile ? `, profile ${profile.name}` : ""}, exported by proxmox-chatops.`,
    ...(p?.approval ? ["# The bot asks a second person before creating VMs with this profile."] : []),
    ...(steps.length > 0
      ? [
          `# Post-boot steps of the profile, not part of this resource: ${steps.map((s) => s.name).join(", ")}.`,
        ]
      : []),
  ];
  return [
    ...header,
    `resource "proxmox_virtual_environment_vm" ${hclString(label(name))} {`,
    ...print({ name: "", attrs, blocks }, ""),
    "}",
    "",
  ].join("\n");
}
