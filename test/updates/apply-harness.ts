/** A real BullMQ queue and worker running the update job against the simulator. */

import type { JobDefinition } from "../../src/services/jobs/definition.js";
import type { JobInfo } from "../../src/services/jobs/model.js";
import { type ApplyData, createUpdateApplyJob } from "../../src/services/updates/apply-job.js";
import { type RolloutOptions, rolloutOptionsSchema } from "../../src/services/updates/config.js";
import type { TargetVm } from "../../src/services/updates/targets.js";
import type { Reply } from "../../src/services/vocabulary/reply.js";
import { type Harness, harness } from "../jobs/harness.js";
import { RecordingNotifier } from "../jobs/support.js";
import type { UpdateSim } from "./helpers.js";

export interface ApplyHarness {
  h: Harness;
  start(vms: TargetVm[], options?: Partial<RolloutOptions>): Promise<JobInfo>;
  /** The rollout's summary message as last shown. */
  summary(title?: string): Reply;
  chat: RecordingNotifier;
  close(): Promise<void>;
}

export function applyHarness(u: UpdateSim): ApplyHarness {
  // The summary message goes to its own recording chat; the harness's chat holds the job card.
  const chat = new RecordingNotifier();
  const definition = createUpdateApplyJob({
    updates: u.deps,
    notifiers: { console: chat },
    editIntervalMs: 10,
  });
  const h = harness([definition as JobDefinition], { attempts: 3, backoffMs: 50, progressInterval: 20 });
  return {
    h,
    chat,
    start: (vms, options = {}) => {
      const data: ApplyData = {
        title: `Update ${vms.length} VMs`,
        conversation: { platform: "console", channelId: "ops" },
        vms,
        options: rolloutOptionsSchema.parse({ canary: 0, batch: 5, ...options }),
        requestedBy: "Alice (console:alice)",
      };
      return h.start("update.apply", data as unknown as Record<string, unknown>);
    },
    summary(title) {
      const post = chat.posts.find(
        (p) => p.reply.table?.columns[2] === "Status" && (!title || p.reply.title === title),
      );
      if (!post) throw new Error("no summary message was posted");
      return chat.last(post.message.messageId) ?? post.reply;
    },
    close: () => h.close(),
  };
}
