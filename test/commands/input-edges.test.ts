/**
 * Chat input outside Proxmox's formats stops at parsing with E_ARGS, before any request: the simulator's
 * request log must not grow. The service functions refuse the same input on their own, so a caller that
 * skips the chat parser (a job, another front-end) cannot reach Proxmox with it either.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseArgs } from "../../src/commands/args/parse.js";
import { tokenize } from "../../src/commands/args/tokenize.js";
import type { CommandContext, CommandDefinition } from "../../src/commands/definition.js";
import { task } from "../../src/commands/task.js";
import { templateBuild } from "../../src/commands/template-build.js";
import { vm } from "../../src/commands/vm.js";
import { taskReport } from "../../src/services/inventory/task.js";
import { vmReport } from "../../src/services/inventory/vm.js";
import { parseUpid } from "../../src/services/pve/ids.js";
import { type SimClient, simCommandContext, startSimClient } from "../proxmox/helpers/sim.js";

let t: SimClient;
beforeAll(async () => {
  t = await startSimClient();
});
afterAll(async () => {
  await t.close();
});

const context = (): CommandContext => simCommandContext(t);

/**
 * Runs one command from tokens (not text, so NUL and other control characters reach the parser) the way
 * the dispatcher does, and returns the E_ARGS message or throws if the command ran at all.
 */
async function refusal(def: CommandDefinition, tokens: string[]): Promise<string> {
  const parsed = parseArgs(def, tokens);
  if (!parsed.ok) return parsed.message;
  try {
    await def.run(context(), parsed.args as never);
  } catch (err) {
    if ((err as { code?: string }).code === "E_ARGS") return (err as Error).message;
    throw err;
  }
  throw new Error(`${def.name} ${JSON.stringify(tokens)} ran`);
}

const GOOD_UPID = "UPID:pve1:000A1B2C:0123ABCD:6817C0DE:qmclone:9000:root@pam!chatops:";
const BAD_UPIDS = [
  "UPID:pve1:000A1B2C:0123ABCD:6817C0DE:qmclone:9000&x=1:root@pam:",
  "UPID:pve1:000A1B2C:0123ABCD:6817C0DE:qmclone;reboot:9000:root@pam:",
  "UPID:pve1:000A1B2C:0123ABCD:6817C0DE:qmclone:<b>:root@pam:",
  "UPID:pve1:000A1B2C:0123ABCD:6817C0DE:qmclone:9000:root\0@pam:",
  "UPID:pve1:000A1B2C:0123ABCD:6817C0DE:qmclone:9000:root@pam?x:",
  "UPID:pve1:000A1B2C:0123ABCD:6817C0DE:qmclone:..:root@pam/../x:",
  "UPID:pve1:000A1B2C:0123ABCD:6817C0DE:qmclone:9000:root@pam",
  "UPID:pve1:x",
  "nonsense",
];
const BAD_VM_REFS = [
  "a?b",
  "web01;ls",
  "web&01",
  "<vm>",
  "web\0",
  "..",
  "-web",
  "99",
  "0100",
  " 100",
  "100 ",
  "a".repeat(65),
];

describe("no request for malformed identifiers", () => {
  it.each(BAD_UPIDS)("task %j", async (upid) => {
    const before = t.sim.requests.entries.length;
    expect(await refusal(task, [upid])).toMatch(/UPID like UPID:pve:/);
    await expect(taskReport(t.client, upid)).rejects.toMatchObject({ code: "E_ARGS" });
    expect(t.sim.requests.entries.length).toBe(before);
  });

  it.each(BAD_VM_REFS)("vm %j", async (ref) => {
    const before = t.sim.requests.entries.length;
    expect(await refusal(vm, [ref])).toMatch(/VM id from 100 to 999999999 or a VM name|at most 64/);
    await expect(vmReport(t.client, ref)).rejects.toMatchObject({ code: "E_ARGS" });
    expect(t.sim.requests.entries.length).toBe(before);
  });

  it.each(["local;rm", "local&x", "1local", "local-", "loc\0al", "../local", "local lvm"])(
    "template build --storage %j and --image-storage",
    async (storage) => {
      const before = t.sim.requests.entries.length;
      expect(await refusal(templateBuild, ["ubuntu-24.04", "--storage", storage])).toMatch(/--storage/);
      expect(await refusal(templateBuild, ["ubuntu-24.04", `--image-storage=${storage}`])).toMatch(
        /--image-storage/,
      );
      expect(t.sim.requests.entries.length).toBe(before);
    },
  );

  it("well-formed identifiers still reach Proxmox", async () => {
    expect(parseUpid(GOOD_UPID).user).toBe("root@pam!chatops");
    const before = t.sim.requests.entries.length;
    expect(parseArgs(vm, ["db01"]).ok).toBe(true);
    await expect(vmReport(t.client, "no-such-vm")).rejects.toMatchObject({ code: "E_NOT_FOUND" });
    expect(t.sim.requests.entries.length).toBeGreaterThan(before);
  });
});

describe("numeric flags take plain decimal only", () => {
  const tokens = (text: string) => {
    const r = tokenize(text);
    if (!r.ok) throw new Error(r.message);
    return r.tokens;
  };
  it.each([
    ["--vmid 0x2328", '--vmid expects a number in plain decimal digits, like 16, got "0x2328"'],
    ["--vmid 9e3", '--vmid expects a number in plain decimal digits, like 16, got "9e3"'],
    ["--vmid 0b1", '--vmid expects a number in plain decimal digits, like 16, got "0b1"'],
    ["--vmid 0o17", '--vmid expects a number in plain decimal digits, like 16, got "0o17"'],
    ["--cores ' 12'", '--cores expects a number in plain decimal digits, like 16, got " 12"'],
    ["--cores '12 '", '--cores expects a number in plain decimal digits, like 16, got "12 "'],
    ["--cores +4", '--cores expects a number in plain decimal digits, like 16, got "+4"'],
    ["--cores .5", '--cores expects a number in plain decimal digits, like 16, got ".5"'],
    ["--cores Infinity", '--cores expects a number, got "Infinity"'],
    ["--cores ''", '--cores expects a number, got ""'],
  ])("%s", (flags, message) => {
    expect(parseArgs(templateBuild, tokens(`ubuntu-24.04 ${flags}`))).toEqual({ ok: false, message });
  });

  it("decimal values still parse", () => {
    expect(parseArgs(templateBuild, tokens("ubuntu-24.04 --vmid 9000 --cores 4"))).toMatchObject({
      ok: true,
      args: { vmid: 9000, cores: 4 },
    });
  });
});
