import { afterEach, describe, expect, it } from "vitest";
import { templateBuild } from "../../../src/commands/template-build.js";
import { templateDelete } from "../../../src/commands/template-delete.js";
import { templateList } from "../../../src/commands/template-list.js";
import { templatePrune } from "../../../src/commands/template-prune.js";
import { templateRefresh } from "../../../src/commands/template-refresh.js";
import { UserError } from "../../../src/services/errors.js";
import { mention } from "../../../src/services/vocabulary/mention.js";
import type { Reply } from "../../../src/services/vocabulary/reply.js";
import { alice, type Rig, startRig, vmsInRange } from "../build/rig.js";

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

async function run(
  r: Rig,
  command: { run: (ctx: never, args: never) => Promise<Reply> },
  args: object,
): Promise<Reply> {
  const reply = await command.run(r.context() as never, args as never);
  if (reply.jobId) await r.jobs.queue.waitUntilFinished(reply.jobId, 60_000);
  return reply;
}

/** The summary table of the last matrix job: the newest post with a Distro column, at its last edit. */
function lastTable(r: Rig): Reply | undefined {
  const post = [...r.jobs.chat.posts].reverse().find((p) => p.reply.table?.columns[0] === "Distro");
  return post ? (r.jobs.chat.last(post.message.messageId) ?? post.reply) : undefined;
}

const templatesOf = (r: Rig, prefix: string) =>
  vmsInRange(r).filter((v) => v.name.startsWith(prefix) && v.template);

describe("template lifecycle on the simulator", () => {
  it("builds several distros in one job with one summary table, and lists them", async () => {
    rig = await startRig({ config: { concurrency: { perNode: 1 } } });
    await run(rig, templateBuild, { distros: ["ubuntu-24.04", "debian-12", "rocky-9"], node: "pve2" });
    const table = lastTable(rig);
    expect(table?.text).toBe("3 built, 0 up to date, 0 failed");
    expect(table?.table?.rows.map((row) => [row[0], row[2]])).toEqual([
      ["ubuntu-24.04", "built"],
      ["debian-12", "built"],
      ["rocky-9", "built"],
    ]);
    // perNode 1: the three qmcreate tasks on pve2 never overlapped.
    const creates = rig.sim.sim.requests.filter("POST", "/nodes/pve2/qemu").map((e) => e.at);
    const templates = rig.sim.sim.requests.filter("POST", /\/qemu\/\d+\/template$/).map((e) => e.at);
    for (let i = 1; i < creates.length; i++) expect(creates[i]!).toBeGreaterThan(templates[i - 1]!);
    const list = await run(rig, templateList, { node: "pve2" });
    expect(list.table?.rows.map((row) => row[2]).sort()).toEqual(["debian-12", "rocky-9", "ubuntu-24.04"]);
    // The builder is named as a person (a mention), from the metadata's `console:alice (Alice)`.
    expect(list.table?.rows[0]?.[6]).toBe(mention(alice));
    expect((await run(rig, templateList, { distro: "rocky-9" })).table?.rows).toHaveLength(1);
  });

  it("refresh rebuilds only what changed upstream, tags the old version superseded, then answers up to date", async () => {
    rig = await startRig({ config: { keep: 0 } });
    expect((await rig.build("ubuntu-24.04", { node: "pve1" }))?.state).toBe("completed");
    expect((await rig.build("debian-12", { node: "pve1" }))?.state).toBe("completed");
    rig.mirror.publishBuild("ubuntu-24.04");
    await run(rig, templateRefresh, { all: true });
    const table = lastTable(rig);
    expect(table?.text).toBe("1 built, 1 up to date, 0 failed");
    // keep 0: the replaced version is named for `template prune`, but refresh itself deletes nothing.
    expect(table?.table?.footer).toMatch(/^Superseded beyond keep: \d+ tpl-ubuntu-24\.04-.*template prune/);
    const ubuntu = templatesOf(rig, "tpl-ubuntu-24.04");
    expect(ubuntu).toHaveLength(2);
    const list = await run(rig, templateList, { distro: "ubuntu-24.04" });
    expect(list.table?.rows.map((row) => row[7])).toEqual(["", "yes"]);
    expect(list.table?.rows[0]?.[4]).toBe(rig.mirror.checksumFor("ubuntu-24.04").slice(0, 12));
    await run(rig, templateRefresh, { distros: ["ubuntu-24.04"] });
    expect(lastTable(rig)?.text).toBe("0 built, 1 up to date, 0 failed");
  });

  it("refresh asks a second person to prune what it superseded beyond keep", async () => {
    rig = await startRig({ config: { keep: 0 }, approvals: true });
    expect((await rig.build("ubuntu-24.04", { node: "pve1" }))?.state).toBe("completed");
    rig.mirror.publishBuild("ubuntu-24.04");
    await run(rig, templateRefresh, { distros: ["ubuntu-24.04"] });
    const [request, ...others] = await rig.approvalStore.listPending();
    expect(others).toEqual([]);
    expect(request).toMatchObject({
      command: "template.prune",
      args: { keep: 0 },
      requester: { id: "alice" },
    });
    const card = rig.jobs.chat.posts.find((p) =>
      p.reply.buttons?.some((b) => b.id === `approval:${request!.id}:approve`),
    );
    expect(card).toBeDefined();
    expect(lastTable(rig)?.table?.footer).toMatch(/Superseded beyond keep/);
    // nothing was deleted before anyone approved
    expect(templatesOf(rig, "tpl-ubuntu-24.04")).toHaveLength(2);
  });

  it("prune removes superseded versions beyond keep, sparing those with linked clones; delete refuses while clones exist", async () => {
    rig = await startRig();
    for (let i = 0; i < 4; i++)
      expect((await rig.build("debian-12", { node: "pve1", force: true }))?.state).toBe("completed");
    const [oldest, second] = templatesOf(rig, "tpl-debian-12").map((v) => v.vmid);
    // A linked clone of the oldest version keeps it alive.
    await rig.sim.client.waitForTask(
      await rig.sim.client.cloneVm("pve1", oldest!, {
        newid: 300,
        name: "app01",
        full: false,
        pool: "chatops",
      }),
    );
    const refused = await templateDelete
      .run(rig.context() as never, { template: String(oldest) } as never)
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UserError);
    expect((refused as UserError).message).toMatch(
      new RegExp(`template ${oldest} .* still has linked clones: VM 300`),
    );
    const pruned = await run(rig, templatePrune, { keep: 1 });
    expect(pruned.text).toMatch(new RegExp(`Removed: ${second} `));
    expect(pruned.text).toMatch(new RegExp(`Kept because of linked clones: ${oldest} .*300`));
    expect(templatesOf(rig, "tpl-debian-12")).toHaveLength(3);
    await rig.sim.client.waitForTask(await rig.sim.client.destroyVm("pve1", 300, { purge: true }));
    const deleted = await run(rig, templateDelete, { template: String(oldest) });
    expect(deleted.title).toBe(`Template ${oldest} deleted`);
    expect(templatesOf(rig, "tpl-debian-12").map((v) => v.vmid)).not.toContain(oldest);
  });

  it("delete by name, and a name that is no template is refused with the known ones", async () => {
    rig = await startRig();
    expect((await rig.build("rocky-9", { node: "pve3", name: "rocky-golden" }))?.state).toBe("completed");
    const missing = await templateDelete
      .run(rig.context() as never, { template: "web01" } as never)
      .catch((e: unknown) => e);
    expect((missing as UserError).code).toBe("E_NOT_FOUND");
    expect((missing as UserError).message).toMatch(
      /no template built by the bot is called "web01"; templates: \d+ rocky-golden/,
    );
    await run(rig, templateDelete, { template: "rocky-golden" });
    expect(templatesOf(rig, "rocky-golden")).toHaveLength(0);
  });

  it("refuses bad command input before any job starts", async () => {
    rig = await startRig({ worker: false });
    const ctx = rig.context() as never;
    const cases: [object, RegExp][] = [
      [{ all: true, family: "bsd" }, /unknown family "bsd"; families: /],
      [{ distros: ["ubuntu-24.04"], family: "debian" }, /--family goes with --all/],
      [{}, /name at least one distro/],
      [{ distros: ["ubuntu-24.04", "debian-12"], vmid: 9100 }, /--vmid builds one template/],
      [{ distros: ["ubunt-24.04"] }, /unknown distro "ubunt-24.04"; closest: ubuntu-24.04/],
    ];
    for (const [args, text] of cases) {
      const err = await templateBuild.run(ctx, args as never).catch((e: unknown) => e);
      expect((err as Error).message).toMatch(text);
    }
    const err = await templateRefresh.run(ctx, {} as never).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/name distros to refresh, or --all/);
    expect(rig.jobs.chat.posts).toHaveLength(0);
  });

  it("build --all takes the images of the target node's architecture", async () => {
    rig = await startRig({ worker: false });
    const ctx = rig.context() as never;
    const debian = (arch: string) =>
      rig!.deps.catalog.byFamily("debian").filter((e) => e.arch === arch).length;
    expect(debian("aarch64")).toBeGreaterThan(1);
    const x86 = await templateBuild.run(ctx, { all: true, family: "debian", node: "pve1" } as never);
    expect(x86.text).toMatch(new RegExp(`^Building ${debian("x86_64")} templates as job`));
    rig.sim.sim.state.node("pve3").arch = "aarch64";
    const arm = await templateBuild.run(ctx, { all: true, family: "debian", node: "pve3" } as never);
    expect(arm.text).toMatch(new RegExp(`^Building ${debian("aarch64")} templates as job`));
  });
});
