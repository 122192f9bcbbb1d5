/**
 * zod forms of PVE's identifier formats for command arguments and config keys, built on the checkers in
 * ids.ts, so a bad node, storage, UPID or VM reference stops at parsing with the same rule everywhere.
 */
import { z } from "zod";
import {
  DNS_NAME_MAX,
  DNS_NAME_PATTERN,
  looksLikeVmid,
  NODE_PATTERN,
  STORAGE_PATTERN,
  UPID_PATTERN,
  UPID_RULE,
  VM_NAME_PATTERN,
  VM_REF_RULE,
  VMID_TEXT_PATTERN,
} from "./ids.js";

export const nodeName = z
  .string()
  .regex(NODE_PATTERN, "a node name is letters, digits and inner hyphens, like pve1");

export const nodeArg = nodeName.describe("Cluster node name, e.g. pve1");

/** pve-storage-id */
export const storageId = z
  .string()
  .regex(
    STORAGE_PATTERN,
    "a storage id starts with a letter; letters, digits, '.', '-', '_', like local-lvm",
  );

/** Bridges (`vmbr0`) are held to the storage id rule; PVE's own bridge format is looser. */
export const bridgeId = z
  .string()
  .regex(STORAGE_PATTERN, "a bridge id starts with a letter; letters, digits, '.', '-', '_', like vmbr0");

/** PVE's dns-name, for names given to new guests. */
export const dnsName = z
  .string()
  .max(DNS_NAME_MAX)
  .regex(
    DNS_NAME_PATTERN,
    "a DNS name: letters, digits and hyphens in dot-separated labels, e.g. tpl-web.v2",
  );

/** pve-tag */
export const pveTag = z.string().regex(/^[a-z0-9_][a-z0-9_+.-]*$/i, "a tag is letters, digits and _ - + .");

export const tagArg = pveTag.describe("Only guests with this tag");

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
    (ref) => (looksLikeVmid(ref) ? VMID_TEXT_PATTERN.test(ref) : VM_NAME_PATTERN.test(ref)),
    VM_REF_RULE,
  )
  .describe("VM id (e.g. 100) or name");
