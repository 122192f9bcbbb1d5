/**
 * The data a build job carries: everything decided at command time (node, storages, sizes, keys), so a
 * retry on another worker builds exactly what was asked even if config changed in between.
 */
import { z } from "zod";
import { bridgeId, dnsName, nodeName, storageId } from "../../pve/id-schemas.js";
import { distroKey } from "../catalog/schema.js";

export const buildRequestSchema = z
  .object({
    distro: distroKey,
    node: nodeName,
    settings: z
      .object({
        storage: storageId,
        imageStorage: storageId,
        bridge: bridgeId,
        vlan: z.number().int().min(1).max(4094).optional(),
        cores: z.number().int().min(1).max(128),
        memory: z.number().int().min(256),
        disk: z.number().int().min(1),
        cpu: z.string().min(1),
        ciuser: z.string().optional(),
        sshKeys: z.array(z.string()),
        tags: z.array(z.string()),
      })
      .strict(),
    /** The resource pool the VM is created in; a payload without one uses the configured pool. */
    pool: z.string().optional(),
    /** The public key lines, resolved from names at command time. */
    sshKeyText: z.string(),
    vmid: z.number().int().optional(),
    name: dnsName.optional(),
    force: z.boolean().default(false),
    /** "console:alice (Alice)", written into the template's metadata. */
    requestedBy: z.string().min(1),
  })
  .strict();

export type BuildRequest = z.infer<typeof buildRequestSchema>;

/** What a build left in its state, read by the summary and the matrix table. */
export interface BuildOutcome {
  kind: "built" | "up-to-date";
  name: string;
  vmid: number;
  checksum: string;
}
