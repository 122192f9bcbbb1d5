/**
 * The checks no entry may skip. A typed command, a button that stands for a command and an approved
 * request all reach the command's handler through `execute`: authorize → target → gate → run → report. What differs
 * between entries is only how the authorize verdict is recorded (`AuthorizeRecorder`).
 */

import type { ApprovalRequest } from "../../services/approvals/model.js";
import { auditBase } from "../../services/audit/base.js";
import type { AuditRecord } from "../../services/audit/record.js";
import { errorReply, type Reply } from "../../services/vocabulary/reply.js";
import { authorize, gate, report, run, target } from "./stages.js";
import type { Caller, CommandCall, DispatcherDeps, Refusal } from "./types.js";

/** How an entry writes down the authorize verdict, and what it tells the user when refused. */
export interface AuthorizeRecorder {
  passed(call: CommandCall): Promise<void>;
  refused(refusal: Refusal): Promise<Reply>;
}

/**
 * `approved` is the decided request an approval click resumes; it is what lets a destructive command
 * through the gate, and only for the exact arguments it was granted for.
 */
export async function execute(
  deps: DispatcherDeps,
  caller: Caller,
  call: CommandCall,
  recorder: AuthorizeRecorder,
  approved?: ApprovalRequest,
): Promise<Reply> {
  const access = authorize(deps.services.rbac, caller, call);
  if (!access.ok) return recorder.refused(access);
  await recorder.passed(call);
  const found = await target(deps, caller, call, approved);
  if (!found.ok) return refuse(deps, caller, found);
  const gated = await gate(deps, caller, call, found.target, approved);
  if (!gated.open) return gated.reply;
  return report(deps, caller, call, await run(deps, caller, call, found.target));
}

/**
 * Writes a refusal's one short record and answers with it. Nothing has run yet, so the record is written
 * straight to the store: if the store is away, the request fails closed.
 */
export async function refuse(deps: DispatcherDeps, caller: Caller, refusal: Refusal): Promise<Reply> {
  caller.log.info({ command: refusal.record.command, code: refusal.code }, "refused");
  await deps.services.audit.append({
    ...auditBase(caller),
    at: deps.clock.now(),
    kind: caller.kind,
    ...refusal.record,
  });
  return errorReply(refusal.code, refusal.message);
}

/**
 * Typed commands and command buttons: a refusal is one short record; a pass is recorded with the full
 * arguments (typed: the parse record waits for the verdict, so a refusal stays a single record).
 */
export function recordAuthorize(deps: DispatcherDeps, caller: Caller): AuthorizeRecorder {
  const write = (record: Omit<AuditRecord, "at" | "kind">) =>
    deps.services.audit.append({ ...record, at: deps.clock.now(), kind: caller.kind });
  return {
    async passed(call) {
      const base = { ...auditBase(caller), command: call.def.name };
      if (caller.kind === "invocation") {
        await write({ ...base, step: "parse", args: call.args, outcome: "ok" });
        await write({ ...base, step: "authorize", outcome: "ok" });
      } else {
        await write({ ...base, step: "authorize", args: call.args, outcome: "ok" });
      }
    },
    refused: (refusal) => refuse(deps, caller, refusal),
  };
}
