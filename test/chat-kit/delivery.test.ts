import { describe, expect, it } from "vitest";
import {
  type Delivery,
  DeliveryFailedError,
  type DeliverySender,
  directDelivery,
} from "../../src/adapters/chat-kit/delivery.js";

class Flaky extends Error {
  constructor(readonly verdict: ReturnType<DeliverySender["classify"]>) {
    super("flaky");
  }
}

function sender(failures: Flaky[]): DeliverySender & { sent: Delivery[] } {
  const sent: Delivery[] = [];
  return {
    platform: "console",
    sent,
    async send(d) {
      const next = failures.shift();
      if (next) throw next;
      sent.push(d);
      return d.kind === "update"
        ? undefined
        : { platform: "console", channelId: "c", messageId: String(sent.length) };
    },
    classify: (err) => (err instanceof Flaky ? err.verdict : { kind: "fail", code: "unexpected" }),
  };
}

const conversation = { platform: "console" as const, channelId: "c" };
const noSleep = async () => {};

describe("directDelivery", () => {
  it("waits out rate limits and transient errors, then returns the posted ref", async () => {
    const s = sender([
      new Flaky({ kind: "retry-after", ms: 5 }),
      new Flaky({ kind: "backoff", code: "5xx" }),
    ]);
    const ref = await directDelivery(s, { sleep: noSleep }).post(conversation, { text: "hi" });
    expect(ref.messageId).toBe("1");
    expect(s.sent).toHaveLength(1);
  });

  it("gives up on a final error at once and names its code", async () => {
    const s = sender([new Flaky({ kind: "fail", code: "channel_not_found" })]);
    const err = await directDelivery(s, { sleep: noSleep })
      .update({ ...conversation, messageId: "1" }, { text: "x" })
      .catch((e) => e);
    expect(err).toBeInstanceOf(DeliveryFailedError);
    expect((err as DeliveryFailedError).code).toBe("channel_not_found");
    expect((err as DeliveryFailedError).attempts).toBe(1);
  });

  it("stops retrying transient errors after its attempts", async () => {
    const s = sender([1, 2, 3].map(() => new Flaky({ kind: "backoff", code: "internal_error" })));
    const err = await directDelivery(s, { attempts: 3, sleep: noSleep })
      .reply({ ...conversation, messageId: "1" }, { text: "x" })
      .catch((e) => e);
    expect((err as DeliveryFailedError).attempts).toBe(3);
    expect(s.sent).toHaveLength(0);
  });
});
