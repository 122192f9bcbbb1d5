/**
 * The console as a chat platform for the shared ChatAdapter contract: users "type" into a piped input,
 * and what the platform shows is read back from the printed transcript. Button ids are not printed (the
 * terminal shows numbered labels), so they are looked up for the labels the transcript actually shows.
 */
import {
  type ContractHarness,
  describeChatAdapterContract,
  type PlatformMessage,
  RecordingInbound,
} from "../contract/chat-adapter.contract.js";
import { consoleRig, parseTranscript, RIG_USERS } from "./helpers.js";

const LINK = /^↗ (.+): (\S+)$/;
const BUTTON = /\[(\d+)\] ([^[]+?)(?=\s{2}\[|$)/g;

describeChatAdapterContract("console", async (): Promise<ContractHarness> => {
  const rig = consoleRig({ user: "alice" });
  const inbound = new RecordingInbound();
  await rig.adapter.start(inbound);

  const received = async (): Promise<PlatformMessage[]> => {
    const byId = new Map<string, PlatformMessage>();
    const out: PlatformMessage[] = [];
    for (const printed of parseTranscript(rig.text())) {
      const last = printed.lines.at(-1) ?? "";
      const shownLabels = [...last.matchAll(BUTTON)].map((m) => m[2]);
      const stored = printed.id !== undefined ? rig.adapter.message(printed.id) : undefined;
      const buttons = (stored?.reply.buttons ?? [])
        .filter((b, i) => shownLabels[i] === b.label)
        .map((b) => b.id);
      const message: PlatformMessage = {
        id: printed.id,
        text: printed.lines.join("\n"),
        buttons,
        links: printed.lines.flatMap((l) => {
          const m = LINK.exec(l);
          return m ? [{ label: m[1]!, url: m[2]! }] : [];
        }),
        ...(printed.replyTo !== undefined ? { threadOf: printed.replyTo } : {}),
        edits: 0,
        visibility: printed.onlyYou ? "ephemeral" : "channel",
      };
      const earlier = printed.id !== undefined ? byId.get(printed.id) : undefined;
      if (earlier && printed.edited) {
        Object.assign(earlier, { ...message, edits: earlier.edits + 1 });
        continue;
      }
      if (printed.id !== undefined) byId.set(printed.id, message);
      out.push(message);
    }
    return out;
  };

  return {
    adapter: rig.adapter,
    inbound,
    conversation: { platform: "console", channelId: "ops-console" },
    users: [
      { id: "alice", name: RIG_USERS["alice"]!.name!, groups: RIG_USERS["alice"]!.groups },
      { id: "bob", name: RIG_USERS["bob"]!.name!, groups: RIG_USERS["bob"]!.groups },
    ],
    supportsEphemeral: true,
    supportsActionValue: true,
    supportsThreads: false,
    mentionOf: (user) => `@${user.name}`,
    sendCommand: (userId, text) => rig.type(`:as ${userId}`, text),
    click: async (userId, message, button, value) => {
      const buttons = rig.adapter.message(message.messageId)?.reply.buttons ?? [];
      const index = typeof button === "number" ? button : buttons.findIndex((b) => b.id === button);
      if (index < 0) throw new Error(`message #${message.messageId} shows no button ${String(button)}`);
      await rig.type(`:as ${userId}`, `:click ${message.messageId}.${index + 1}${value ? ` ${value}` : ""}`);
    },
    received,
    close: () => rig.adapter.stop(),
  };
});
