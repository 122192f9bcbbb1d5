/**
 * The sample job the queue tests run: shaped like a template build (create a VM, import a disk with many
 * progress reports, convert it), with hooks so a test can make a step wait, fail or hang.
 */
import { UserError } from "../../src/services/errors.js";
import type { JobDefinition, JobRunContext } from "../../src/services/jobs/definition.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Calls {
  steps: { name: string; attempt: number; at: number }[];
  cleanups: unknown[];
}

/** A template-build-like job: create a VM, import a disk in many small progress reports, convert it. */
export function buildJob(
  calls: Calls,
  hooks: Partial<Record<string, (ctx: JobRunContext<{ vmid: number }>) => Promise<void>>> = {},
) {
  const definition: JobDefinition<{ vmid: number }> = {
    type: "template.build",
    parse(raw) {
      const vmid = (raw as { vmid?: unknown }).vmid;
      if (typeof vmid !== "number" || !Number.isInteger(vmid) || vmid < 100) {
        throw new UserError("E_ARGS", "vmid must be an integer ≥ 100");
      }
      return { vmid };
    },
    title: (data) => `Build template ${data.vmid}`,
    steps: [
      {
        name: "create",
        label: "create VM",
        async run(ctx) {
          calls.steps.push({ name: "create", attempt: ctx.attempt, at: Date.now() });
          ctx.state.vmid = ctx.data.vmid;
          await ctx.save();
          await hooks.create?.(ctx);
        },
      },
      {
        name: "import",
        label: "import disk",
        async run(ctx) {
          calls.steps.push({ name: "import", attempt: ctx.attempt, at: Date.now() });
          await hooks.import?.(ctx);
          for (let i = 1; i <= 20; i++) {
            ctx.progress(i / 20, `${i * 5}%`);
            await sleep(10);
          }
          ctx.state.disk = `local-lvm:vm-${ctx.data.vmid}-disk-0`;
        },
      },
      {
        name: "convert",
        label: "convert to template",
        async run(ctx) {
          calls.steps.push({ name: "convert", attempt: ctx.attempt, at: Date.now() });
          await hooks.convert?.(ctx);
        },
      },
    ],
    async cleanup(ctx) {
      calls.cleanups.push(structuredClone(ctx.state));
      return typeof ctx.state.vmid === "number" ? [`VM ${ctx.state.vmid}`] : [];
    },
    summary: (ctx) => [{ label: "Template", value: String(ctx.state.vmid) }],
  };
  return definition as JobDefinition;
}

export function newCalls(): Calls {
  return { steps: [], cleanups: [] };
}
