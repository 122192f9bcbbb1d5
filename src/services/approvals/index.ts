/** The approval service: pure logic over the `ApprovalStore` port. */
export { approvalActionId, parseApprovalAction, type Verdict } from "./actions.js";
export { approvalCard, DENY_REASON_FIELD, outcomeLine, outcomeReply } from "./cards.js";
export {
  type ApprovalDecision,
  type ApprovalRefusalCode,
  cleanReason,
  type DecideApprovalInput,
  decideApproval,
  MAX_REASON_LENGTH,
} from "./decide.js";
export { commandLine } from "./format.js";
export { isApprovalId, newApprovalId } from "./ids.js";
export {
  type ApprovalPolicySettings,
  type ApprovalsSettings,
  argsHash,
  canonicalJson,
  type OpenApprovalInput,
  openApproval,
  policyFor,
} from "./policy.js";
export { isSchedulerActor, SCHEDULER_ID, schedulerActor } from "./scheduler.js";
export { type SweepResult, sweepExpired } from "./sweep.js";
