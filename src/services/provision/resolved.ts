import type { ReplyField } from "../vocabulary/reply.js";

/**
 * The shape of a command's resolved target (src/commands/definition.ts `ResolvedTarget`), restated here
 * because services do not import commands.
 */
export interface ResolvedTargetShape<T> {
  identity: string;
  fields: ReplyField[];
  value: T;
}
