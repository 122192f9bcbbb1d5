/** zod pieces for inventory command arguments; the formats are PVE's, so bad input stops at parsing. */
import { z } from "zod";
import {
  NODE_PATTERN,
  UPID_PATTERN,
  UPID_RULE,
  VM_NAME_PATTERN,
  VM_REF_RULE,
  VMID_TEXT_PATTERN,
} from "./ids.js";

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

export const upidArg = z
  .string()
  .max(256)
  .regex(UPID_PATTERN, UPID_RULE)
  .describe("Task id (UPID), as shown by Proxmox or in a job's message");

/** All digits is a VM id (checked against PVE's range), anything else a VM name. */
export const vmRefArg = z
  .string()
  .max(64)
  .refine(
    (ref) => (/^[0-9]+$/.test(ref) ? VMID_TEXT_PATTERN.test(ref) : VM_NAME_PATTERN.test(ref)),
    VM_REF_RULE,
  )
  .describe("VM id (e.g. 100) or name");
