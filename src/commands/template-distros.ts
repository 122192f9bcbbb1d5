import { z } from "zod";
import { distrosReport } from "../services/templates/catalog/report.js";
import { defineCommand } from "./definition.js";
import { templateCatalogOf } from "./service-guards.js";

export const templateDistros = defineCommand({
  name: "template.distros",
  summary: "Cloud images templates can be built from: key, version, arch, login user, guest agent",
  args: z.object({
    family: z
      .string()
      .regex(/^[A-Za-z]{1,20}$/, "a family is a word such as debian or rhel")
      .optional()
      .describe("Only this OS family: debian, rhel, suse, arch, alpine, freebsd or other"),
  }),
  permission: "viewer",
  destructive: false,
  run: async (ctx, args) => distrosReport(templateCatalogOf(ctx.services), args.family),
});
