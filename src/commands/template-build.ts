import { z } from "zod";
import { UserError } from "../services/errors.js";
import { startJob } from "../services/jobs/start.js";
import { bridgeId, dnsName, nodeArg, storageId } from "../services/pve/id-schemas.js";
import { buildSettingRules } from "../services/templates/build/config.js";
import { TEMPLATE_BUILD_JOB } from "../services/templates/build/job.js";
import { TEMPLATE_MATRIX_JOB } from "../services/templates/build/matrix-job.js";
import { actorLabel } from "../services/templates/build/metadata.js";
import { defaultNode, planBuild } from "../services/templates/build/plan.js";
import type { DistroEntry } from "../services/templates/build/ports.js";
import { nodeArch } from "../services/templates/build/preflight.js";
import { distroKey } from "../services/templates/catalog/schema.js";
import { defineCommand } from "./definition.js";
import { templatesOf } from "./service-guards.js";
import { jobStartReply } from "./visibility.js";

export const templateBuildArgs = z.object({
  distros: z.array(distroKey).optional().describe("Distro keys (see `template distros`)"),
  all: z.boolean().optional().describe("Build every catalog image of the node's architecture"),
  family: z
    .string()
    .regex(/^[a-z]+$/)
    .optional()
    .describe("With --all: only this family (debian, rhel, …)"),
  node: nodeArg.optional(),
  storage: storageId.optional().describe("Storage for the VM disk"),
  imageStorage: storageId.optional().describe("Storage the image is downloaded to (needs content import)"),
  // The range check lives in the service, which names the configured range.
  vmid: z.number().int().positive().optional().describe("VMID from the template range"),
  name: dnsName.optional().describe("Template name (default tpl-<distro>-<date>-<checksum>)"),
  cores: buildSettingRules.cores.optional().describe("CPU cores"),
  memory: buildSettingRules.memory.optional().describe("MiB"),
  disk: buildSettingRules.disk.optional().describe("Disk size in GiB"),
  bridge: bridgeId.optional().describe("Network bridge, e.g. vmbr0"),
  vlan: buildSettingRules.vlan.optional().describe("VLAN tag on net0"),
  cpu: buildSettingRules.cpu.optional().describe("CPU type, e.g. x86-64-v2-AES"),
  ciuser: buildSettingRules.ciuser.optional().describe("Cloud-init user"),
  sshkey: z.array(buildSettingRules.sshKeyName).optional().describe("Key names from config"),
  tags: z.array(buildSettingRules.tag).optional().describe("Extra PVE tags"),
  force: z.boolean().optional().describe("Build even when the newest template has the same image"),
});

export const templateBuild = defineCommand({
  name: "template.build",
  summary: "Build VM templates from verified cloud images",
  args: templateBuildArgs,
  positionals: [{ name: "distros", variadic: true }],
  suggest: { distros: "distro", node: "node" },
  permission: "operator",
  destructive: false,
  async run(ctx, args) {
    const t = templatesOf(ctx.services);
    const { distros = [], all, family, ...flags } = args;
    let entries: readonly DistroEntry[];
    if (all) {
      if (distros.length > 0) throw new UserError("E_ARGS", "give distro keys or --all, not both");
      const families = t.catalog.families();
      if (family && !families.includes(family as never)) {
        throw new UserError("E_ARGS", `unknown family "${family}"; families: ${families.join(", ")}`);
      }
      // Every image the target node can run: x86_64 images on an x86_64 node, aarch64 on an aarch64 one.
      const arch =
        (await nodeArch(t.proxmox, flags.node ?? (await defaultNode(t.proxmox, t.config)))) ?? "x86_64";
      entries = (family ? t.catalog.byFamily(family as never) : t.catalog.all()).filter(
        (e) => e.arch === arch,
      );
    } else {
      if (family) throw new UserError("E_ARGS", "--family goes with --all");
      if (distros.length === 0)
        throw new UserError("E_ARGS", "name at least one distro (see `template distros`) or use --all");
      entries = distros.map((key) => {
        const entry = t.catalog.get(key);
        if (!entry) {
          const close = t.catalog.suggest(key, 3);
          throw new UserError(
            "E_ARGS",
            `unknown distro "${key}"${close.length ? `; closest: ${close.join(", ")}` : ""}`,
          );
        }
        return entry;
      });
    }
    if (entries.length > 1 && flags.vmid !== undefined)
      throw new UserError("E_ARGS", "--vmid builds one template; drop it for several");
    if (entries.length > 1 && flags.name !== undefined)
      throw new UserError("E_ARGS", "--name names one template; drop it for several");
    const requestedBy = actorLabel(ctx.actor);
    const builds = [];
    for (const entry of entries) builds.push(await planBuild(t, { distro: entry.key, flags, requestedBy }));
    const single = builds.length === 1 ? builds[0] : undefined;
    const origin = { requestedBy: ctx.actor, conversation: ctx.conversation, requestId: ctx.requestId };
    const info = single
      ? await startJob(ctx.services.jobs, TEMPLATE_BUILD_JOB, single, origin)
      : await startJob(
          ctx.services.jobs,
          TEMPLATE_MATRIX_JOB,
          { title: `Build ${builds.length} templates`, conversation: ctx.conversation, builds },
          origin,
        );
    return jobStartReply({
      text: single
        ? `Building ${single.distro} on ${single.node} as job ${info.id}.`
        : `Building ${builds.length} templates as job ${info.id}; the table below follows them.`,
      tone: "info",
      jobId: info.id,
    });
  },
});
