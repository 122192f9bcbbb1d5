/**
 * A button's form at a TTY: answers typed on the `:click` line are taken as they are (the demo's
 * `:click 5 duration=2h comment=…` used to ask every field again and show nothing until they were typed),
 * and only a bare `:click n` asks each field on its own line.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type { ActionEvent, Inbound } from "../../src/adapters/chat.js";
import { ConsoleAdapter } from "../../src/adapters/console/console-adapter.js";
import type { Reply } from "../../src/services/vocabulary/reply.js";
import { memoryLog, RIG_USERS, steppingClock, waitFor } from "./helpers.js";

const conversation = { platform: "console" as const, channelId: "ops-console" };

const alertMessage: Reply = {
  title: "Firing: PveHostHighCpu",
  buttons: [
    { id: "alert:g1:ack", label: "Acknowledge" },
    {
      id: "alert:g1:silence",
      label: "Silence…",
      prompt: {
        title: "Silence alert group",
        submit: "Silence",
        fields: [
          { id: "duration", label: "Duration", placeholder: "2h" },
          { id: "comment", label: "Comment", required: false },
        ],
      },
    },
  ],
};

async function ttyConsole() {
  const input = new PassThrough();
  const output = Object.assign(new PassThrough(), { columns: 100, rows: 40, isTTY: true });
  let printed = "";
  output.on("data", (c: Buffer) => {
    printed += c.toString("utf8");
  });
  const actions: ActionEvent[] = [];
  const inbound: Inbound = {
    onCommand: async () => ({ text: "ok" }),
    onAction: async (event) => {
      actions.push(event);
      return { text: `silenced for ${event.values?.duration}`, visibility: "ephemeral" };
    },
  };
  const adapter = new ConsoleAdapter({
    input,
    output,
    isTTY: true,
    color: false,
    users: RIG_USERS,
    user: "alice",
    channel: "ops-console",
    clock: steppingClock(),
    log: memoryLog(),
    filesDir: mkdtempSync(join(tmpdir(), "pvebot-tty-form-")),
  });
  await adapter.start(inbound);
  await adapter.post(conversation, alertMessage);
  return { adapter, input, actions, printed: () => printed };
}

describe("a button's form at a TTY", () => {
  it("takes the answers on the :click line without asking, and prints the action's answer", async () => {
    const t = await ttyConsole();
    t.input.write(":click 2 duration=2h comment=rack move\n");
    await waitFor(() => t.printed().includes("silenced for 2h"), "the action's answer");
    expect(t.actions).toHaveLength(1);
    expect(t.actions[0]).toMatchObject({
      actionId: "alert:g1:silence",
      values: { duration: "2h", comment: "rack move" },
    });
    expect(t.actions[0]!.value).toBeUndefined();
    expect(t.printed()).not.toContain("Silence alert group · Duration");
    await t.adapter.stop();
  });

  it("refuses answers on the line that leave a required field out, naming it", async () => {
    const t = await ttyConsole();
    t.input.write(":click 2 comment=no duration\n");
    await waitFor(() => t.printed().includes("not sent"), "the refusal");
    expect(t.printed()).toContain("Duration is required (:click <n> duration=…)");
    expect(t.actions).toHaveLength(0);
    await t.adapter.stop();
  });

  it("asks each field after a bare :click and sends what was typed", async () => {
    const t = await ttyConsole();
    t.input.write(":click 2\n");
    await waitFor(
      () => t.printed().includes("Silence alert group · Duration [e.g. 2h]: "),
      "the first field",
    );
    t.input.write("4h\n");
    await waitFor(() => t.printed().includes("Silence alert group · Comment (optional): "), "the second");
    t.input.write("\n");
    await waitFor(() => t.printed().includes("silenced for 4h"), "the action's answer");
    expect(t.actions[0]!.values).toEqual({ duration: "4h" });
    await t.adapter.stop();
  });
});
