/** zod pieces for inventory command arguments; the formats are PVE's, so bad input stops at parsing. */
import { z } from "zod";
import { NODE_PATTERN } from "./ids.js";

export const nodeArg = z
  .string()
  .regex(NODE_PATTERN, "a node name is letters, digits and inner hyphens, like pve1")
  .describe("Cluster node name, e.g. pve1");

/** pve-tag */
export const tagArg = z
  .string()
  .regex(/^[a-z0-9_][a-z0-9_\-+.]*$/i, "a tag is letters, digits and _ - + .")
  .describe("Only guests with this tag");

/** pve-poolid */
export const poolArg = z
  .string()
  .regex(/^[A-Za-z0-9_-]+$/, "a pool name is letters, digits, - and _")
  .describe("Only guests in this pool");
