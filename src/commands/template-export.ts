import { z } from "zod";
import { UserError } from "../services/errors.js";
import { profileOf } from "../services/provision/plan.js";
import { findTemplate } from "../services/provision/template-ref.js";
import { terraformResource } from "../services/provision/terraform.js";
import { defineCommand } from "./definition.js";
import { provisionOf } from "./service-guards.js";
import { readReply } from "./visibility.js";

export const templateExport = defineCommand({
  name: "template.export",
  summary: "A Terraform resource (bpg/proxmox) cloning a template",
  args: z.object({
    template: z.string().max(64).describe("Template VMID or name"),
    terraform: z.boolean().optional().describe("Export as a proxmox_virtual_environment_vm resource"),
    profile: z.string().max(32).optional().describe("Apply this profile (see `vm profiles`)"),
  }),
  positionals: [{ name: "template" }],
  suggest: { template: "template" },
  permission: "viewer",
  destructive: false,
  async run(ctx, args) {
    if (args.terraform !== true) {
      throw new UserError("E_ARGS", "say which format: --terraform (the one export there is)");
    }
    const deps = provisionOf(ctx.services);
    const profile = args.profile ? { name: args.profile, value: profileOf(deps, args.profile) } : undefined;
    const found = await findTemplate(deps.proxmox, args.template);
    const keyNames = profile?.value.cloudInit.sshKeys ?? [];
    const sshKeys = keyNames.flatMap((name) => (deps.sshKeys[name] ? [deps.sshKeys[name].trim()] : []));
    const hcl = terraformResource({
      template: found.ref,
      config: found.config,
      pool: deps.pool,
      ...(profile ? { profile } : {}),
      ...(sshKeys.length > 0 ? { sshKeys } : {}),
      ...(deps.config.nameserver !== undefined ? { nameserver: deps.config.nameserver } : {}),
      ...(deps.config.searchdomain !== undefined ? { searchdomain: deps.config.searchdomain } : {}),
    });
    return readReply({
      title: `Terraform for ${found.ref.name}${profile ? ` with ${profile.name}` : ""}`,
      text: "A `proxmox_virtual_environment_vm` resource for the bpg/proxmox provider; rename it and set `name` per VM.",
      code: hcl,
    });
  },
});
