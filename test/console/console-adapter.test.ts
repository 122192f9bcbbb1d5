import { afterEach, describe, expect, it } from "vitest";
import type { ActionEvent, Inbound, Invocation } from "../../src/adapters/chat.js";
import type { JobInfo } from "../../src/services/jobs/model.js";
import type { Reply } from "../../src/services/vocabulary/reply.js";
import { type ConsoleRig, consoleRig, parseTranscript, waitFor } from "./helpers.js";

/**
 * A small bot behind the console: `deploy` starts a job whose final message is posted only after a delay,
 * `approve-me` answers with an approval card, `whoami` answers ephemerally, `boom` throws.
 */
class ScriptedInbound implements Inbound {
  readonly events: string[] = [];
  readonly invocations: Invocation[] = [];
  readonly actions: ActionEvent[] = [];
  /** What had been printed when each command reached the bot. */
  readonly printedAtCommand: string[] = [];

  constructor(private readonly rig: () => ConsoleRig) {}

  async onCommand(invocation: Invocation): Promise<Reply> {
    this.invocations.push(invocation);
    this.printedAtCommand.push(this.rig().text());
    this.events.push(`command:${invocation.text}`);
    switch (invocation.text) {
      case "deploy":
        return { tone: "info", text: "started job j1", jobId: "j1", visibility: "channel" };
      case "approve-me":
        return {
          tone: "warning",
          title: "Approval needed",
          buttons: [
            { id: "approval:a1:approve", label: "Approve", style: "primary" },
            { id: "approval:a1:deny", label: "Deny", style: "danger" },
          ],
        };
      case "whoami":
        return { tone: "info", text: `you are ${invocation.actor.name}`, visibility: "ephemeral" };
      case "boom":
        throw new Error("database exploded with password=hunter2");
      default:
        return { text: `ran ${invocation.text}` };
    }
  }

  async onAction(event: ActionEvent): Promise<Reply | undefined> {
    this.actions.push(event);
    this.events.push(`action:${event.actionId}`);
    if (event.actionId.endsWith(":deny")) return undefined;
    return { tone: "success", text: `${event.actor.name} pressed ${event.actionId}` };
  }

  async waitForJob(jobId: string): Promise<JobInfo | undefined> {
    this.events.push(`wait:${jobId}`);
    await new Promise((r) => setTimeout(r, 60));
    await this.rig().adapter.post(
      { platform: "console", channelId: "ops-console" },
      { tone: "success", title: `job ${jobId} finished` },
    );
    this.events.push(`final:${jobId}`);
    return undefined;
  }
}

let rig: ConsoleRig;
let inbound: ScriptedInbound;

async function startRig(options: Parameters<typeof consoleRig>[0] = {}): Promise<void> {
  rig = consoleRig({ ...options, waitForJob: (jobId) => inbound.waitForJob(jobId) });
  inbound = new ScriptedInbound(() => rig);
  await rig.adapter.start(inbound);
}

afterEach(async () => {
  await rig.adapter.stop();
});

describe("console adapter, piped input", () => {
  it("does not read line 2 before line 1's job has printed its final message", async () => {
    await startRig();
    rig.input.end("deploy\nstatus\n");
    await rig.adapter.done;
    expect(inbound.events).toEqual(["command:deploy", "wait:j1", "final:j1", "command:status"]);
    expect(inbound.printedAtCommand[1]).toContain("job j1 finished");
    const out = rig.text();
    expect(out.indexOf("job j1 finished")).toBeLessThan(out.indexOf("alice> status"));
    expect(out).toBe(
      [
        "alice> deploy",
        "#1 i started job j1",
        "#2 ✔ job j1 finished",
        "alice> status",
        "#3 ran status",
        "",
      ].join("\n"),
    );
  });

  it("maps the console user to an actor and gives every command a fresh request id", async () => {
    await startRig();
    await rig.type("template list --node pve1", "/pve help");
    expect(inbound.invocations.map((i) => i.text)).toEqual(["template list --node pve1", "help"]);
    const [first, second] = inbound.invocations;
    expect(first?.actor).toEqual({
      platform: "console",
      id: "alice",
      name: "Alice Admin",
      groups: ["ops", "admins"],
    });
    expect(first?.conversation).toEqual({ platform: "console", channelId: "ops-console" });
    expect(first?.requestId).not.toBe(second?.requestId);
  });

  it(":as switches identity and the prompt; a user without a name is shown by id", async () => {
    await startRig();
    await rig.type(":as carol", "whoami", ":as bob", "whoami");
    expect(inbound.invocations.map((i) => i.actor.id)).toEqual(["carol", "bob"]);
    expect(inbound.invocations[0]?.actor).toEqual({
      platform: "console",
      id: "carol",
      name: "carol",
      groups: [],
    });
    expect(rig.adapter.currentUser).toBe("bob");
    expect(rig.text()).toContain("carol> whoami\n(only you) i you are carol\n");
    expect(rig.text()).toContain("bob> whoami\n(only you) i you are Bob Builder\n");
  });

  it(":as with an unknown user is refused, lists known users, and keeps the identity", async () => {
    await startRig();
    await rig.type(":as mallory", "whoami");
    expect(rig.text()).toContain('✖ unknown user "mallory"; known users: alice, bob, carol\n');
    expect(inbound.invocations[0]?.actor.id).toBe("alice");
  });

  it(":click n presses a button of the latest message with buttons, as the current user", async () => {
    await startRig();
    await rig.type("approve-me", "other", ":as bob", ":click 1");
    expect(inbound.actions).toHaveLength(1);
    const action = inbound.actions[0]!;
    expect(action.actionId).toBe("approval:a1:approve");
    expect(action.actor).toEqual({ platform: "console", id: "bob", name: "Bob Builder", groups: ["ops"] });
    expect(action.message).toMatchObject({ platform: "console", channelId: "ops-console", messageId: "1" });
    expect(action.value).toBeUndefined();
    expect(rig.text()).toContain("#3 ✔ Bob Builder pressed approval:a1:approve\n");
  });

  it(":click id.n reason presses a button of an older message and passes the reason as value", async () => {
    await startRig();
    await rig.type("approve-me", "approve-me", ":click #1.2 not during the freeze", ":click 2.2");
    expect(inbound.actions.map((a) => [a.message.messageId, a.actionId, a.value])).toEqual([
      ["1", "approval:a1:deny", "not during the freeze"],
      ["2", "approval:a1:deny", undefined],
    ]);
  });

  it("clicks without a target are refused with a specific reason and reach nobody", async () => {
    await startRig();
    await rig.type(
      ":click 1",
      "other",
      ":click 1.1",
      ":click 7.1",
      "approve-me",
      ":click 3",
      ":click x",
      ":click",
    );
    const out = rig.text();
    expect(out).toContain("✖ no message with buttons yet; nothing to click\n");
    expect(out).toContain("✖ message #1 has no buttons\n");
    expect(out).toContain("✖ no message #7 in this session\n");
    expect(out).toContain("✖ message #2 has 2 buttons; use 1-2\n");
    expect(out).toContain('✖ "x" is not a button number;');
    expect(out).toContain("✖ usage: :click <n>");
    expect(inbound.actions).toHaveLength(0);
  });

  it("an ephemeral card can only be clicked by the user it was shown to", async () => {
    await startRig();
    const ref = await rig.adapter.post(
      { platform: "console", channelId: "ops-console" },
      { text: "pick", buttons: [{ id: "b:1", label: "One" }], visibility: "ephemeral" },
    );
    expect(rig.text()).toContain("#1 (only you) pick\n");
    expect(ref.messageId).toBe("1");
    await rig.type(":click 1");
    expect(inbound.actions).toHaveLength(1);
  });

  it("an update reprints the message under its id marked (edited)", async () => {
    await startRig();
    await rig.type("approve-me", ":click 1");
    const clicked = inbound.actions[0]!.message;
    await rig.adapter.update(clicked, { tone: "success", text: "approved by Alice Admin" });
    const messages = parseTranscript(rig.text());
    expect(messages.at(-1)).toEqual({
      id: "1",
      edited: true,
      onlyYou: false,
      lines: ["✔ approved by Alice Admin"],
    });
    expect(rig.adapter.message("1")?.edits).toBe(1);
    await rig.type(":click 1");
    expect(rig.text()).toContain("✖ no message with buttons yet; nothing to click\n");
  });

  it("an update for a ref from another session is printed as a new message", async () => {
    await startRig();
    await rig.adapter.update(
      { platform: "console", channelId: "ops-console", messageId: "1", extra: { session: "old" } },
      { text: "late progress" },
    );
    expect(rig.text()).toBe("#1 late progress\n");
    expect(rig.log.entries.some((e) => e.level === "warn")).toBe(true);
  });

  it("a failing command answers with an internal error and its ref, and logs it without echoing the message", async () => {
    await startRig();
    await rig.type("boom", "other");
    expect(rig.text()).toContain("(only you) ✖ internal error, ref req-1 (E_INTERNAL)\n");
    expect(rig.text()).not.toContain("hunter2");
    expect(rig.log.entries.find((e) => e.level === "error")?.obj).toMatchObject({ requestId: "req-1" });
    expect(inbound.invocations.map((i) => i.text)).toEqual(["boom", "other"]);
  });

  it(":help lists the meta commands; unknown meta commands are refused", async () => {
    await startRig();
    await rig.type(":help", ":frobnicate");
    expect(rig.text()).toMatch(/:as <user>.*\n.*:click <n>.*\n.*:click <message>\.<n>.*\n.*:help.*\n.*:quit/);
    expect(rig.text()).toContain("✖ unknown console command :frobnicate; type :help for the list\n");
    expect(inbound.invocations).toHaveLength(0);
  });

  it("end of input resolves done; :quit stops before later lines", async () => {
    await startRig();
    rig.input.end("one\n:quit\ntwo\n");
    await rig.adapter.done;
    expect(inbound.invocations.map((i) => i.text)).toEqual(["one"]);
  });

  it("end of input while a job is running resolves done only after its final message", async () => {
    await startRig();
    rig.input.end("deploy");
    await rig.adapter.done;
    expect(inbound.events.at(-1)).toBe("final:j1");
    expect(rig.text().endsWith("#2 ✔ job j1 finished\n")).toBe(true);
  });

  it("refuses to deliver into another platform's conversation", async () => {
    await startRig();
    await expect(rig.adapter.post({ platform: "slack", channelId: "C1" }, { text: "x" })).rejects.toThrow(
      /cannot deliver to a slack conversation/,
    );
  });
});

describe("console adapter, terminal", () => {
  it("shows the prompt with the user and redraws it after an asynchronous post", async () => {
    await startRig({ isTTY: true });
    await waitFor(() => rig.text().includes("alice> "), "prompt");
    rig.input.write("templ");
    await rig.adapter.post({ platform: "console", channelId: "ops-console" }, { text: "job progress" });
    const out = rig.text();
    const afterPost = out.slice(out.indexOf("#1 job progress"));
    expect(out).toContain("\r\u001b[2K#1 job progress\n");
    expect(afterPost).toContain("alice> templ");
  });

  it("does not wait for jobs, so the prompt comes back at once", async () => {
    await startRig({ isTTY: true });
    await rig.type("deploy");
    expect(inbound.events).toEqual(["command:deploy"]);
    await rig.type(":as bob");
    await waitFor(() => rig.text().includes("bob> "), "prompt for bob");
  });

  it("asks a button's confirmation question and sends the click only on yes", async () => {
    await startRig({ isTTY: true });
    await rig.adapter.post(
      { platform: "console", channelId: "ops-console" },
      {
        text: "delete template 9001?",
        buttons: [
          {
            id: "tpl:delete",
            label: "Delete",
            style: "danger",
            confirm: {
              title: "Delete 9001",
              text: "This cannot be undone.",
              confirm: "Delete",
              deny: "Keep",
            },
          },
        ],
      },
    );
    rig.input.write(":click 1\n");
    await waitFor(
      () => rig.text().includes("Delete 9001: This cannot be undone. (Delete / Keep) [y/N] "),
      "question",
    );
    rig.input.write("n\n");
    await waitFor(() => rig.text().includes("not sent: Delete on #1"), "refusal note");
    expect(inbound.actions).toHaveLength(0);
    rig.input.write(":click 1\n");
    await waitFor(() => rig.text().split("[y/N]").length === 3, "second question");
    rig.input.write("y\n");
    await waitFor(() => inbound.actions.length === 1, "click sent");
    expect(inbound.actions[0]?.actionId).toBe("tpl:delete");
  });
});
