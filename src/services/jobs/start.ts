/** Starting a job with data typed by its kind: the one way commands and schedules start jobs. */

import type { JobQueue } from "../ports.js";
import type { Actor, ConversationRef } from "../vocabulary/identity.js";
import type { JobKind } from "./definition.js";
import type { JobInfo } from "./model.js";

/** Who asked for the job and where its card goes. */
export interface JobOrigin {
  requestedBy: Actor;
  conversation: ConversationRef;
  requestId: string;
}

export function startJob<D>(jobs: JobQueue, kind: JobKind<D>, data: D, origin: JobOrigin): Promise<JobInfo> {
  return jobs.start({ type: kind.type, data, ...origin });
}
