import { afterEach, describe, expect, it } from "vitest";
import { createSlackAdapter } from "../../src/adapters/slack/adapter.js";
import { slackConfigSchema } from "../../src/adapters/slack/config.js";
import { FakeSlack } from "../fakes/slack/index.js";
import { BOT_TOKEN, memoryLog, SIGNING_SECRET } from "./helpers.js";

let fake: FakeSlack | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe("a Slack adapter used only to post and edit (a worker process)", () => {
  it("delivers posts and edits without being started, and stop() drains what is queued", async () => {
    fake = await FakeSlack.start({ botToken: BOT_TOKEN, postsPerSecondPerChannel: 0 });
    const adapter = createSlackAdapter({
      config: slackConfigSchema.parse({
        mode: "http",
        botToken: BOT_TOKEN,
        signingSecret: SIGNING_SECRET,
        apiUrl: fake.apiUrl,
      }),
      log: memoryLog(),
      clock: { now: () => Date.now() },
    });
    const ref = await adapter.post({ platform: "slack", channelId: "C0OPS" }, { text: "job j7 queued" });
    void adapter.update(ref, { text: "job j7 completed", tone: "success" });
    await adapter.stop();
    const update = await fake.waitForCall("chat.update", () => true, 2000);
    expect(JSON.stringify(update.args)).toMatch(/job j7 completed/);
    expect(adapter.stats()).toMatchObject({ failed: 0, pending: 0 });
  });
});
