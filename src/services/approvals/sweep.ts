/**
 * Closes expired requests and edits their cards to say so. Meant to run on an interval
 * (`approvals.sweepInterval`) in every bot instance; the store's atomic `expireDue` hands each expired
 * request to exactly one sweeper, so cards are edited once.
 */

import type { ApprovalStore, Log, NotifierByPlatform } from "../ports.js";
import { outcomeReply } from "./cards.js";
import type { ApprovalRequest } from "./model.js";

export interface SweepResult {
  expired: ApprovalRequest[];
  /** Cards edited successfully. */
  updated: number;
  /** Cards that could not be edited (no card, no notifier for its platform, or the edit failed). */
  skipped: number;
}

export async function sweepExpired(input: {
  store: ApprovalStore;
  notifier: NotifierByPlatform;
  now: number;
  log: Log;
}): Promise<SweepResult> {
  const { store, notifier, now, log } = input;
  const expired = await store.expireDue(now);
  let updated = 0;
  let skipped = 0;
  for (const request of expired) {
    const message = request.message;
    const target = message ? notifier[message.platform] : undefined;
    if (!message || !target) {
      log.warn(
        { approvalId: request.id, platform: message?.platform },
        "expired approval has no card to edit",
      );
      skipped += 1;
      continue;
    }
    try {
      await target.update(message, outcomeReply(request));
      updated += 1;
    } catch (err) {
      // One unreachable card must not keep the others in their stale "pending" look.
      log.error({ err, approvalId: request.id }, "could not edit expired approval card");
      skipped += 1;
    }
  }
  if (expired.length > 0)
    log.info({ expired: expired.length, updated, skipped }, "expired approval requests closed");
  return { expired, updated, skipped };
}
