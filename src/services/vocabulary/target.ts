import type { ReplyField, ReplyTable } from "./reply.js";

/**
 * What a command acts on, looked up before it is approved and again before it runs. A destructive
 * command's approval is bound to `identity`: if the object found at run time has another identity (a new
 * template took the same VMID), the run is refused as "the target changed since it was approved".
 */
export interface ResolvedTarget<T = unknown> {
  /** Stable identity of the object(s), e.g. `vmid=9002 name=debian-12 ctime=1733300000`. */
  identity: string;
  /** What the approval card shows about the target (name, node, VMID, checksum, linked clones). */
  fields: ReplyField[];
  /** For a target made of many objects (the VMs an update touches). */
  table?: ReplyTable;
  /** What the command found, handed to `run`; never stored. */
  value: T;
}
