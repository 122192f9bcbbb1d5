import { z } from "zod";
import { distrosReport } from "../services/templates/catalog/report.js";
import { pageReply, pagingArgs } from "./args/paging.js";
import { defineCommand } from "./definition.js";
import { templateCatalogOf } from "./service-guards.js";
import { readReply } from "./visibility.js";

export const templateDistros = defineCommand({
  name: "template.distros",
  summary: "Cloud images to build from: key, version, arch, login",
  args: z.object({
    family: z
      .string()
      .regex(/^[A-Za-z]{1,20}$/, "a family is a word such as debian or rhel")
      .optional()
      .describe("Only this OS family: debian, rhel, suse, arch, alpine, freebsd or other"),
    ...pagingArgs,
  }),
  permission: "viewer",
  destructive: false,
  run: async (ctx, args) =>
    readReply(
      pageReply(
        distrosReport(templateCatalogOf(ctx.services), args.family),
        { name: "template.distros" },
        args,
      ),
    ),
});
