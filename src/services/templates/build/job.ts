/**
 * The `template.build` job: one progress step per stage of a build, its cleanup, and the summary
 * fields of the completed card ("up to date: <name>" when nothing needed building).
 */

import { defineJob, type JobDefinition, jobKind, payloadParser } from "../../jobs/definition.js";
import { releaseHeld } from "../../locks/lease-book.js";
import type { ReplyField } from "../../vocabulary/reply.js";
import { diskSummary } from "./disk.js";
import { type BuildRequest, buildRequestSchema } from "./request.js";
import {
  type BuildContext,
  checkStage,
  cleanupBuild,
  createStage,
  imageStage,
  type LeaseBook,
  resizeStage,
  type TemplateServices,
  tagStage,
  templateStage,
  verifyStage,
  vmidStage,
} from "./stages.js";

export const TEMPLATE_BUILD_JOB = jobKind<BuildRequest>("template.build");

type Stage = (deps: TemplateServices, leases: LeaseBook, ctx: BuildContext) => Promise<void>;

/** The stages in order, with the labels users see on the card and in the matrix table. */
export const BUILD_STAGES: ReadonlyArray<{ name: string; label: string; run: Stage }> = [
  { name: "check", label: "check node, storage and upstream checksum", run: checkStage },
  { name: "image", label: "download or reuse the image", run: imageStage },
  { name: "vmid", label: "reserve a VMID", run: vmidStage },
  { name: "create", label: "create the VM with the imported disk", run: createStage },
  { name: "tag", label: "tag the VM and read its disk size", run: tagStage },
  { name: "resize", label: "resize the disk", run: resizeStage },
  { name: "template", label: "convert to a template", run: templateStage },
  { name: "verify", label: "confirm template: 1", run: verifyStage },
];

export function createTemplateBuildJob(deps: TemplateServices): JobDefinition<BuildRequest> {
  const leases: LeaseBook = new Map();
  return defineJob(TEMPLATE_BUILD_JOB, {
    parse: payloadParser(buildRequestSchema, "build request"),
    title: (data) => `Build template ${data.distro} on ${data.node}`,
    steps: BUILD_STAGES.map((s) => ({
      name: s.name,
      label: s.label,
      async run(ctx: BuildContext) {
        try {
          await s.run(deps, leases, ctx);
        } catch (err) {
          // A retry may run on another worker, which takes the slots again; held here they would
          // renew until this process stops. The cleanup of a final failure releases them too.
          await releaseHeld(leases, ctx.jobId);
          throw err;
        }
      },
    })),
    cleanup: (ctx) => cleanupBuild(deps, leases, ctx),
    summary: (ctx) => buildSummary(ctx.state, ctx.data.settings.disk),
  });
}

export function buildSummary(state: Record<string, unknown>, configuredDiskGiB: number): ReplyField[] {
  const upToDate = state.upToDate as { name: string; vmid: number } | undefined;
  const checksum = typeof state.checksum === "string" ? state.checksum : "";
  if (upToDate) {
    return [
      { label: "Result", value: `up to date: ${upToDate.name}` },
      { label: "VMID", value: String(upToDate.vmid) },
      { label: "Checksum", value: `${String(state.algorithm)}:${checksum.slice(0, 16)}…` },
    ];
  }
  const disk = diskSummary(state, configuredDiskGiB);
  return [
    { label: "Template", value: String(state.name) },
    { label: "VMID", value: String(state.createdVmid) },
    { label: "Image", value: `${String(state.imageVolid)}${state.imageReused ? " (reused)" : ""}` },
    ...(disk !== undefined ? [{ label: "Disk", value: disk }] : []),
    { label: "Checksum", value: `${String(state.algorithm)}:${checksum.slice(0, 16)}…` },
  ];
}
