/** What every `update …` command shares: the target words (the update services: `updatesOf`, service-guards.ts). */
import { z } from "zod";

export const targetWords = z
  .array(z.string().min(1).max(200))
  .min(1)
  .max(200)
  .describe("VM ids or names, tag:<t>, pool:<p>, node:<n>; several separated by spaces or commas");
