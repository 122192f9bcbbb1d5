import { z } from "zod";
import { profilesReply } from "../services/provision/profiles.js";
import { defineCommand } from "./definition.js";
import { provisionOf } from "./service-guards.js";
import { readReply } from "./visibility.js";

export const vmProfiles = defineCommand({
  name: "vm.profiles",
  summary: "The VM profiles `vm create --profile` takes",
  args: z.object({}),
  permission: "viewer",
  destructive: false,
  run: async (ctx) => readReply(profilesReply(provisionOf(ctx.services).config)),
});
