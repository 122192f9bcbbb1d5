/**
 * One mapping of failures, whichever way a command reaches its handler: a refusal is audited as `refused`
 * with its code whether the command returned it or threw it; the unexpected is `error`, logged with the
 * error itself and answered with a reference only.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { deleteKeysWithPrefix } from "../../src/adapters/store/redis.js";
import { ACTION_ROUTES, commandButton } from "../../src/bot/pipeline/router.js";
import { defineCommand } from "../../src/commands/definition.js";
import { UserError } from "../../src/services/errors.js";
import { errorReply } from "../../src/services/vocabulary/reply.js";
import { CONVERSATION, consoleActor, createHarness, type Harness } from "../helpers/dispatcher-harness.js";
import { type LogEntry, memoryLog } from "../store/helpers.js";

const LOCKED = "VM 100 is locked (backup)";
const command = (name: string, run: () => Promise<never> | Promise<ReturnType<typeof errorReply>>) =>
  defineCommand({
    name,
    summary: `${name} (test)`,
    args: z.object({}),
    permission: "operator",
    destructive: false,
    run,
  });

const COMMANDS = [
  command("locked.thrown", async () => {
    throw new UserError("E_PVE_LOCKED", LOCKED);
  }),
  command("locked.returned", async () => errorReply("E_PVE_LOCKED", LOCKED)),
  command("crash", async () => {
    throw new Error("driver said password=hunter2");
  }),
];
/** Each test command behind a button too (`do:<command>`), to show the button path maps the same way. */
const DO_BUTTON = COMMANDS.map((def) =>
  commandButton(`do-${def.name}`, def.name, (id) => (id === `do:${def.name}` ? {} : undefined)),
);

const logs: LogEntry[] = [];
let h: Harness;
beforeAll(async () => {
  h = await createHarness({
    commands: COMMANDS,
    rbac: { bindings: [{ role: "operator", subjects: ["console:user:olga"] }], channels: {} },
    log: memoryLog(logs),
    actionRoutes: [...ACTION_ROUTES, ...DO_BUTTON],
  });
});
afterAll(async () => {
  await deleteKeysWithPrefix(h.redis, h.prefix);
  await h.close();
});
beforeEach(async () => {
  logs.length = 0;
  await h.redis.del(`${h.prefix}audit`);
});

const olga = consoleActor("olga");
const typed = (text: string, requestId: string) =>
  h.dispatcher.onCommand({ actor: olga, conversation: CONVERSATION, text, requestId });
const clicked = (name: string, requestId: string) =>
  h.dispatcher.onAction({
    actor: olga,
    conversation: CONVERSATION,
    message: { platform: "console", channelId: CONVERSATION.channelId, messageId: "m" },
    actionId: `do:${name}`,
    requestId,
  });

async function runRecord(requestId: string) {
  const records = await h.audit.query({ limit: 20 });
  return records.find((r) => r.requestId === requestId && r.step === "run");
}

describe.each([
  {
    path: "typed",
    send: (name: string, id: string) => typed(name.replace(".", " "), id),
    kind: "invocation",
  },
  { path: "button", send: clicked, kind: "action" },
])("through the $path path", ({ send, kind }) => {
  it("a refusal thrown as a UserError is answered and audited exactly like one returned", async () => {
    const thrown = await send("locked.thrown", "thrown");
    const returned = await send("locked.returned", "returned");
    expect(thrown).toEqual(returned);
    expect(thrown).toMatchObject({ errorCode: "E_PVE_LOCKED", text: LOCKED });
    for (const requestId of ["thrown", "returned"]) {
      expect(await runRecord(requestId)).toMatchObject({ kind, outcome: "refused", detail: "E_PVE_LOCKED" });
    }
    expect(logs.filter((l) => l.level === "error")).toEqual([]);
  });

  it("the unexpected is an error: logged with the error, answered with a reference only", async () => {
    const reply = await send("crash", "req-crash");
    expect(reply).toMatchObject({ errorCode: "E_INTERNAL", text: "internal error, ref req-crash" });
    expect(JSON.stringify(reply)).not.toContain("hunter2");
    expect(await runRecord("req-crash")).toMatchObject({ kind, outcome: "error", detail: "E_INTERNAL" });
    const [logged] = logs.filter((l) => l.level === "error");
    expect(logged?.msg).toBe("unexpected error");
    expect((logged!.obj as { err: Error }).err.message).toBe("driver said password=hunter2");
  });
});
