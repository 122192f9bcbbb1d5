/**
 * The written visibility rule (docs/CHAT.md) on every `update` command, run as the pipeline runs them
 * (target resolved first) against the simulator and a real BullMQ queue and worker. The registry walk in
 * test/services/visibility-rule.test.ts covers the other commands.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CommandDefinition, CommandServices } from "../../src/commands/definition.js";
import { ALL_COMMANDS } from "../../src/commands/index.js";
import { COMMAND_AUDIENCE, visibilityOf } from "../../src/commands/visibility.js";
import type { Reply } from "../../src/services/vocabulary/reply.js";
import { type ApplyHarness, applyHarness } from "./apply-harness.js";
import { addGuest, startUpdateSim, type UpdateSim, updateContext } from "./helpers.js";

let u: UpdateSim;
let apply: ApplyHarness;
beforeAll(async () => {
  u = await startUpdateSim({ retention: "7d" });
  apply = applyHarness(u);
  apply.h.startWorker();
});
afterAll(async () => {
  await apply?.close();
  await u?.close();
});

const UPDATE_COMMANDS = ALL_COMMANDS.filter((d) => d.name.startsWith("update."));

async function run(def: CommandDefinition, args: Record<string, unknown>): Promise<Reply> {
  const base = updateContext(u);
  const ctx = { ...base, services: { ...base.services, jobs: apply.h.queue } as CommandServices };
  const target = def.resolve ? await def.resolve(ctx, args as never) : undefined;
  return def.run(ctx, args as never, target);
}

describe("the visibility rule for guest updates", () => {
  it("holds for every update command's reply", { timeout: 60_000 }, async () => {
    addGuest(u.t, { vmid: 300, name: "web-a", tags: ["web"] });
    const vm = u.t.sim.state.vms.get(300)!;
    // An update snapshot past the 7-day retention, for `update cleanup`.
    vm.snapshots.push({
      name: "chatops-pre-20261001-030000",
      snaptime: Math.floor(Date.now() / 1000) - 30 * 86_400,
      description: "chatops: before guest updates, job 0, requested by Alice",
      vmstate: 0,
      config: { ...vm.config },
      guest: { ...vm.guest, packages: vm.guest.packages.map((p) => ({ ...p })) },
    });
    const args: Record<string, Record<string, unknown>> = {
      "update.plan": { target: ["tag:web"] },
      "update.apply": { target: ["tag:web"] },
      "update.snapshots": { target: ["300"] },
      "update.rollback": { vm: "300" },
      "update.cleanup": {},
      "update.nodes": {},
      "update.windows": {},
    };
    expect(UPDATE_COMMANDS.map((d) => d.name).sort()).toEqual(Object.keys(args).sort());
    for (const name of Object.keys(args)) {
      const def = UPDATE_COMMANDS.find((d) => d.name === name)!;
      const reply = await run(def, args[name]!);
      expect(reply.errorCode, `${name}: ${reply.text}`).toBeUndefined();
      const kind = COMMAND_AUDIENCE[name]!;
      expect(reply.visibility, name).toBe(visibilityOf(kind));
      if (kind === "job") {
        const card = apply.h.chat.posts.find((p) => p.reply.jobId === reply.jobId);
        expect(card?.reply.visibility, `${name}'s job card`).toBe("channel");
        expect((await apply.h.queue.waitUntilFinished(reply.jobId!, 30_000))?.state).toBe("completed");
      }
    }
  });
});
