import { afterEach, describe, expect, it } from "vitest";
import type { CommandDefinition } from "../../src/commands/definition.js";
import { templateExport } from "../../src/commands/template-export.js";
import { hclString } from "../../src/services/provision/terraform.js";
import { KEY } from "../templates/build/rig.js";
import { parseHcl as parse } from "./hcl.js";
import { type ProvisionRig, startProvisionRig } from "./rig.js";

let rig: ProvisionRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const exportCommand = templateExport as CommandDefinition;

type Vm = Record<string, unknown> & {
  clone: Record<string, unknown>[];
  cpu: Record<string, unknown>[];
  memory: Record<string, unknown>[];
  disk: Record<string, unknown>[];
  network_device: Record<string, unknown>[];
  initialization?: Record<string, unknown>[];
};

async function exported(r: ProvisionRig, args: Record<string, unknown>): Promise<{ hcl: string; vm: Vm }> {
  const reply = await exportCommand.run(r.ctx(), { terraform: true, ...args } as never);
  const hcl = reply.code ?? "";
  const json = (await parse("main.tf", hcl)) as { resource: Record<string, Record<string, Vm[]>> };
  const [vm] = Object.values(json.resource.proxmox_virtual_environment_vm ?? {});
  return { hcl, vm: vm![0]! };
}

describe("template export --terraform", () => {
  it("gives a resource that parses as HCL and clones the template with its settings", async () => {
    rig = await startProvisionRig();
    const { vm } = await exported(rig, { template: "tmpl-debian-12" });
    expect(vm).toMatchObject({ node_name: "pve1", pool_id: "chatops", tags: ["chatops"] });
    expect(vm.clone).toEqual([{ vm_id: 9000, node_name: "pve1", full: true }]);
    expect(vm.cpu).toEqual([{ cores: 2, sockets: 1, type: "x86-64-v2-AES" }]);
    expect(vm.memory).toEqual([{ dedicated: 2048 }]);
    expect(vm.disk).toEqual([{ datastore_id: "local-lvm", interface: "scsi0", size: 3 }]);
    expect(vm.network_device).toEqual([{ bridge: "vmbr0", model: "virtio" }]);
    expect(vm.initialization).toEqual([{ ip_config: [{ ipv4: [{ address: "dhcp" }] }] }]);
  });

  it("applies a profile's shape, tags, network and cloud-init, and names its post-boot steps", async () => {
    rig = await startProvisionRig({
      provision: {
        nameserver: "10.20.0.1 10.20.0.2",
        searchdomain: "lab.example.com",
        profiles: {
          "k3s-node": {
            cores: 4,
            memory: "8G",
            disk: "40G",
            network: { vlan: 30 },
            tags: ["k3s"],
            cloudInit: { user: "kube", sshKeys: ["ops"] },
            approval: true,
            postBoot: [{ name: "install-k3s", run: "curl -sfL https://get.k3s.io | sh -" }],
          },
        },
      },
    });
    const { hcl, vm } = await exported(rig, { template: "9000", profile: "k3s-node" });
    expect(vm).toMatchObject({ name: "k3s-node-1", tags: ["chatops", "k3s", "k3s-node"] });
    expect(vm.cpu[0]).toMatchObject({ cores: 4 });
    expect(vm.memory).toEqual([{ dedicated: 8192 }]);
    expect(vm.disk[0]).toMatchObject({ size: 40 });
    expect(vm.network_device[0]).toMatchObject({ vlan_id: 30 });
    expect(vm.initialization?.[0]).toMatchObject({
      dns: [{ domain: "lab.example.com", servers: ["10.20.0.1", "10.20.0.2"] }],
      user_account: [{ username: "kube", keys: [KEY] }],
    });
    expect(hcl).toMatch(/# Post-boot steps of the profile, not part of this resource: install-k3s\./);
    expect(hcl).toMatch(/second person/);
  });

  it("a cicustom user file replaces the user account, as the provider requires", async () => {
    rig = await startProvisionRig({
      provision: {
        profiles: { custom: { cloudInit: { user: "x", cicustom: "user=local:snippets/k3s.yml" } } },
      },
    });
    const { vm } = await exported(rig, { template: "9000", profile: "custom" });
    expect(vm.initialization?.[0]).toMatchObject({ user_data_file_id: "local:snippets/k3s.yml" });
    expect(vm.initialization?.[0]).not.toHaveProperty("user_account");
  });

  it("escapes quotes, backslashes, newlines and interpolations", async () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: an HCL interpolation, written on purpose
    const tricky = 'a "quoted" ${var.x} back\\slash\nnew line';
    const json = (await parse("t.tf", `locals {\n  v = ${hclString(tricky)}\n}\n`)) as {
      locals: { v: string }[];
    };
    expect(json.locals[0]!.v).toBe(tricky);
    // A template directive is doubled too, so `%{if}` stays text instead of breaking the file.
    expect(hclString("%{if x}")).toBe('"%%{if x}"');
    await expect(parse("t.tf", `locals {\n  v = ${hclString("%{if x}")}\n}\n`)).resolves.toBeDefined();
    await expect(parse("t.tf", 'locals {\n  v = "%{if x}"\n}\n')).rejects.toThrow();
  });

  it("refuses without --terraform, with an unknown profile, and for a VM that is no template", async () => {
    rig = await startProvisionRig();
    await expect(exportCommand.run(rig.ctx(), { template: "9000" } as never)).rejects.toThrow(/--terraform/);
    await expect(exported(rig, { template: "9000", profile: "nope" })).rejects.toThrow(/unknown profile/);
    await expect(exported(rig, { template: "102" })).rejects.toThrow(/is not a template/);
  });
});
