import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseArgs } from "../../src/commands/args/parse.js";
import { describeArgs } from "../../src/commands/args/schema-shape.js";
import { tokenize } from "../../src/commands/args/tokenize.js";
import type { CommandContext, CommandDefinition } from "../../src/commands/definition.js";
import { nodes } from "../../src/commands/nodes.js";
import { storage } from "../../src/commands/storage.js";
import { task } from "../../src/commands/task.js";
import { vm } from "../../src/commands/vm.js";
import { vms } from "../../src/commands/vms.js";
import type { Reply } from "../../src/services/vocabulary/reply.js";
import { type SimClient, simCommandContext, startSimClient } from "./helpers/sim.js";

let t: SimClient;
beforeAll(async () => {
  // The inventory commands with docs/PROXMOX.md's read-only setup (ChatOpsRead on /).
  t = await startSimClient({ access: "read-only" });
});
afterAll(async () => {
  t.expectSchemaValid();
  await t.close();
});

const context = (): CommandContext => simCommandContext(t);

/** Typed text → parsed args → run, as the dispatcher does; a parse refusal comes back as its message. */
async function run(def: CommandDefinition, text: string): Promise<Reply | string> {
  const tokens = tokenize(text);
  if (!tokens.ok) return tokens.message;
  const parsed = parseArgs(def, tokens.tokens);
  if (!parsed.ok) return parsed.message;
  return def.run(context(), parsed.args as never);
}

describe("inventory commands from chat text", () => {
  it("are viewer-level and not destructive, with described arguments", () => {
    for (const def of [nodes, vms, vm, task, storage]) {
      expect(def.permission).toBe("viewer");
      expect(def.destructive).toBe(false);
      for (const arg of describeArgs(def.args)) expect(arg.description ?? "", arg.key).not.toBe("");
    }
  });

  it("nodes", async () => {
    const r = (await run(nodes, "")) as Reply;
    expect(r.table?.rows.map((row) => row[0])).toEqual(["pve1", "pve2", "pve3"]);
  });

  it("vms with flags", async () => {
    const r = (await run(vms, "--node pve2 --status running")) as Reply;
    expect(r.title).toBe("VMs on pve2, running (1)");
    expect(r.table?.rows[0]?.slice(0, 2)).toEqual(["104", "mail01"]);
    const templates = (await run(vms, "--templates")) as Reply;
    expect(templates.title).toMatch(/^Templates \(\d+\)$/);
    expect(await run(vms, "--status paused")).toMatch(/--status/);
    expect(await run(vms, "--node ../pve1")).toMatch(/--node: a node name is letters/);
  });

  it("vms names the real nodes when the node given does not exist", async () => {
    await expect(run(vms, "--node pve9")).rejects.toThrow(
      "unknown node pve9; the nodes are pve1, pve2, pve3",
    );
    expect(((await run(vms, "--node pve3 --status stopped")) as Reply).text).toBe("No vms on pve3, stopped.");
  });

  it("vm by id and by name; bad references are refused", async () => {
    expect(((await run(vm, "101")) as Reply).title).toBe("VM 101 db01");
    expect(((await run(vm, "edge01")) as Reply).fields?.[0]).toEqual({ label: "Node", value: "pve3" });
    expect(await run(vm, "99")).toMatch(/^<vm>: give a VM id from 100/);
    expect(await run(vm, "'a?b'")).toMatch(/^<vm>: give a VM id from 100/);
  });

  it("storage and task", async () => {
    const s = (await run(storage, "--node pve3")) as Reply;
    expect(s.title).toBe("Storage on pve3 (3)");
    // Someone else's task: the read-only token reads it through Sys.Audit.
    const admin = t.sim.addToken({ tokenId: "root@pam!task-maker", privsep: false });
    const upid = await t
      .clientFor(admin.tokenId, admin.secret)
      .createSnapshot("pve3", 103, { name: "chatcheck" });
    await t.client.waitForTask(upid);
    const r = (await run(task, upid)) as Reply;
    expect(r.fields?.[0]).toEqual({ label: "Status", value: "finished OK" });
    expect(await run(task, "nonsense")).toMatch(/^<upid>: expected a UPID like UPID:/);
    expect(await run(task, "UPID:pve1:x")).toMatch(/^<upid>: expected a UPID like UPID:/);
  });
});
