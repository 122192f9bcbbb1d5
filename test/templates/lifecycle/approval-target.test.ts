/**
 * A destructive command resolves its target before approval and is bound to it: the card shows the
 * template, a missing one is refused before anyone is asked, and a new template under the same VMID is not
 * the one approved. Real dispatcher and Redis, the simulator behind the template services.
 */
import { afterEach, describe, expect, it } from "vitest";
import { deleteKeysWithPrefix } from "../../../src/adapters/store/redis.js";
import { ALL_COMMANDS } from "../../../src/commands/index.js";
import type { RbacConfig } from "../../../src/services/rbac.js";
import type { Actor, MessageRef } from "../../../src/services/vocabulary/identity.js";
import { plainMentions } from "../../../src/services/vocabulary/mention.js";
import { CONVERSATION, consoleActor, createHarness, type Harness } from "../../helpers/dispatcher-harness.js";
import { type Rig, startRig, vmsInRange } from "../build/rig.js";

const RBAC: RbacConfig = {
  bindings: [
    { role: "operator", subjects: ["console:user:alice"] },
    { role: "approver", subjects: ["console:user:bob"] },
  ],
  channels: {},
};
const alice = consoleActor("alice");
const bob = consoleActor("bob");

let rig: Rig | undefined;
let h: Harness | undefined;
afterEach(async () => {
  if (h) {
    await deleteKeysWithPrefix(h.redis, h.prefix);
    await h.close();
  }
  await rig?.close();
  rig = h = undefined;
});

/** Templates the bot built (the simulator's fixture has templates of its own). */
const built = (r: Rig) => vmsInRange(r).filter((v) => v.template && v.name.startsWith("tpl-"));

async function setup(): Promise<{ rig: Rig; h: Harness }> {
  rig = await startRig();
  h = await createHarness({
    commands: [...ALL_COMMANDS],
    rbac: RBAC,
    services: { proxmox: rig.sim.client, templates: rig.deps },
  });
  return { rig, h };
}

const type = (harness: Harness, actor: Actor, text: string) =>
  harness.dispatcher.onCommand({ actor, conversation: CONVERSATION, text, requestId: `r-${Math.random()}` });

const approve = (harness: Harness, id: string, message: MessageRef) =>
  harness.dispatcher.onAction({
    actor: bob,
    conversation: CONVERSATION,
    message,
    actionId: `approval:${id}:approve`,
    requestId: `c-${Math.random()}`,
  });

async function pendingCard(harness: Harness) {
  const [request, ...others] = await harness.approvals.listPending();
  expect(others).toEqual([]);
  if (!request?.message) throw new Error("no approval card was posted");
  return { request, message: request.message, card: harness.notifier.latest(request.message.messageId) };
}

describe("approvals bound to the resolved target", () => {
  it("shows the template on the card and deletes exactly it once approved", async () => {
    const { rig, h } = await setup();
    expect((await rig.build("debian-12", { node: "pve1" }))?.state).toBe("completed");
    const [tpl] = built(rig);
    expect((await type(h, alice, `template delete ${tpl!.vmid}`)).title).toBe("Approval requested");
    const { request, message, card } = await pendingCard(h);
    expect(card?.fields?.[0]).toEqual({
      label: "Template",
      value: `${tpl!.name} (VMID ${tpl!.vmid}) on pve1`,
    });
    expect(card?.fields?.map((f) => f.label)).toEqual(
      expect.arrayContaining(["Built", "Image", "Linked clones", "Requested by"]),
    );
    expect(plainMentions(card?.text ?? "")).toMatch(/^@alice asked to run `template delete`/);
    expect(request.target?.identity).toMatch(new RegExp(`^vmid=${tpl!.vmid} node=pve1 .*ctime=\\d+ job=`));
    const ran = await approve(h, request.id, message);
    expect(ran?.title).toBe(`Template ${tpl!.vmid} deleted`);
    expect(built(rig)).toEqual([]);
  });

  it("refuses a template that does not exist before any approval is opened, and audits the refusal", async () => {
    const { h } = await setup();
    const reply = await type(h, alice, "template delete 9042");
    expect(reply.errorCode).toBe("E_NOT_FOUND");
    expect(reply.text).toMatch(/no template built by the bot is called "9042"/);
    expect(await h.approvals.listPending()).toEqual([]);
    const [newest] = await h.audit.query({ limit: 1 });
    expect(newest).toMatchObject({ step: "resolve", outcome: "no-target", command: "template.delete" });
  });

  it("refuses to run when a new template took the approved VMID, and leaves the new one alone", async () => {
    const { rig, h } = await setup();
    expect((await rig.build("debian-12", { node: "pve1" }))?.state).toBe("completed");
    const [old] = built(rig);
    expect((await type(h, alice, `template delete ${old!.vmid}`)).title).toBe("Approval requested");
    const { request, message } = await pendingCard(h);

    // Before anyone approves, the template is removed by hand and a new build takes the freed VMID.
    await rig.sim.client.waitForTask(await rig.sim.client.destroyVm("pve1", old!.vmid, { purge: true }));
    expect((await rig.build("debian-12", { node: "pve1", force: true }))?.state).toBe("completed");
    const [reused] = built(rig);
    expect(reused?.vmid).toBe(old!.vmid);

    const reply = await approve(h, request.id, message);
    expect(reply?.errorCode).toBe("E_TARGET_CHANGED");
    expect(reply?.text).toMatch(/the target changed since it was approved/);
    expect(built(rig).map((v) => v.vmid)).toEqual([old!.vmid]);
    const records = await h.audit.query({ limit: 5 });
    expect(records.find((r) => r.step === "resolve")).toMatchObject({ outcome: "target-changed" });
  });
});
