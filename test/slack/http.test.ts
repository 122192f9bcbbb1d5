import { afterEach, describe, expect, it } from "vitest";
import { BUSY, NO_LONGER_VALID } from "../../src/adapters/slack/adapter.js";
import { UserError } from "../../src/services/errors.js";
import { infoReply } from "../../src/services/vocabulary/reply.js";
import {
  blockActionsPayload,
  buttonsOf,
  formPayload,
  postSigned,
  type SignOptions,
  type SlashCommandInput,
  slashCommandBody,
} from "../fakes/slack/index.js";
import { BOT_TOKEN, eventually, type HttpHarness, SIGNING_SECRET, startHttpHarness } from "./helpers.js";
import { dispatcherLikeInbound, type RecordingInbound } from "./inbound.js";

let h: HttpHarness;
let inbound: RecordingInbound;
let clockOffsetMs = 0;
const clock = { now: () => Date.now() + clockOffsetMs };

async function start(opts: Parameters<typeof startHttpHarness>[1] = {}) {
  clockOffsetMs = 0;
  inbound = dispatcherLikeInbound(() => h.adapter);
  h = await startHttpHarness(inbound, { clock, ...opts });
}

afterEach(async () => {
  await h?.close();
});

async function command(input: SlashCommandInput, sign: SignOptions = {}) {
  const { body, responseUrl } = slashCommandBody(h.fake, input);
  const t0 = performance.now();
  const res = await postSigned(h.eventsUrl, SIGNING_SECRET, body, undefined, sign);
  return { status: res.status, text: await res.text(), ms: performance.now() - t0, responseUrl };
}

async function click(
  channelId: string,
  messageTs: string,
  button: { action_id: string; value?: string },
  userId = "U0BOB",
) {
  const payload = blockActionsPayload(h.fake, {
    channelId,
    messageTs,
    actionId: button.action_id,
    value: button.value,
    userId,
  });
  const timestamp = Math.floor(clock.now() / 1000);
  const res = await postSigned(h.eventsUrl, SIGNING_SECRET, formPayload(payload), undefined, { timestamp });
  return { status: res.status, responseUrl: String(payload.response_url) };
}

describe("Slack adapter over HTTP (real Bolt, fake Slack)", () => {
  it("acks a signed slash command at once and posts the channel reply with the expected blocks", async () => {
    await start();
    h.fake.state.usergroups.push({ id: "S0OPS", handle: "ops", users: ["U0ALICE"] });
    const r = await command({ text: "vm list", userId: "U0ALICE", userName: "alice" });
    expect(r.status).toBe(200);
    expect(r.text).toBe("");
    expect(r.ms).toBeLessThan(3000);
    const call = await h.fake.waitForCall("chat.postMessage");
    expect(call.args.channel).toBe("C0GENERAL");
    expect(JSON.parse(String(call.args.blocks))).toEqual([
      { type: "header", text: { type: "plain_text", text: "Virtual machines", emoji: true } },
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: "```\nvmid  name   status\n----  -----  -------\n100   web-1  running\n101   db-1   stopped\n```",
        },
      },
    ]);
    expect(inbound.commands[0]?.actor).toEqual({
      platform: "slack",
      id: "U0ALICE",
      name: "alice",
      groups: ["S0OPS"],
    });
    expect(inbound.commands[0]?.conversation.channelId).toBe("C0GENERAL");
    expect(inbound.commands[0]?.text).toBe("vm list");
  });

  it("answers help ephemerally through the response_url, not in the channel", async () => {
    await start();
    const r = await command({ text: "help" });
    expect(r.status).toBe(200);
    const post = await h.fake.waitForResponse();
    expect(r.responseUrl.endsWith(post.id)).toBe(true);
    expect(post.body.response_type).toBe("ephemeral");
    expect(JSON.stringify(post.body.blocks)).toContain("Commands you may run");
    expect(h.fake.calls("chat.postMessage")).toHaveLength(0);
  });

  it("turns a button click into onAction with actor, conversation and message ref, and edits the card", async () => {
    await start();
    await command({ text: "approve-me a1" });
    const post = await h.fake.waitForCall("chat.postMessage");
    const card = h.fake.state.messages[0]!;
    const buttons = buttonsOf(card.blocks);
    expect(buttons.map((b) => b.action_id)).toEqual(["approval:a1:approve", "approval:a1:deny"]);
    const deny = (
      JSON.parse(String(post.args.blocks)) as { type: string; elements?: { confirm?: unknown }[] }[]
    ).find((b) => b.type === "actions")!.elements![1]!;
    expect(deny.confirm).toBeDefined();

    const r = await click(card.channel, card.ts, buttons[0]!, "U0BOB");
    expect(r.status).toBe(200);
    const update = await h.fake.waitForCall("chat.update");
    expect(update.args).toMatchObject({ channel: "C0GENERAL", ts: card.ts });
    expect(card.text).toBe("Approved by bob");
    const ev = inbound.actions[0]!;
    expect(ev.actionId).toBe("approval:a1:approve");
    expect(ev.actor).toMatchObject({ platform: "slack", id: "U0BOB", name: "bob" });
    expect(ev.message).toEqual({ platform: "slack", channelId: "C0GENERAL", messageId: card.ts });
    expect(ev.conversation.channelId).toBe("C0GENERAL");
  });

  it("posts a click's reply ephemerally when its visibility says so", async () => {
    await start();
    await command({ text: "approve-me a2" });
    await h.fake.waitForCall("chat.postMessage");
    const card = h.fake.state.messages[0]!;
    const r = await click(card.channel, card.ts, buttonsOf(card.blocks)[1]!);
    const post = await h.fake.waitForResponse((p) => r.responseUrl.endsWith(p.id));
    expect(post.body.response_type).toBe("ephemeral");
    expect(JSON.stringify(post.body)).toContain("You denied the request.");
  });

  it("answers a forged or stale button with 'this action is no longer valid' and runs nothing", async () => {
    await start();
    await command({ text: "approve-me a3" });
    await h.fake.waitForCall("chat.postMessage");
    const card = h.fake.state.messages[0]!;
    const approve = buttonsOf(card.blocks)[0]!;

    const forged = await click(card.channel, card.ts, {
      action_id: "approval:other:approve",
      value: approve.value,
    });
    const p1 = await h.fake.waitForResponse((p) => forged.responseUrl.endsWith(p.id));
    expect(JSON.stringify(p1.body)).toContain(NO_LONGER_VALID);
    expect(p1.body.response_type).toBe("ephemeral");

    const unknown = await click("C0GENERAL", "1.000001", { action_id: "something" });
    const p2 = await h.fake.waitForResponse((p) => unknown.responseUrl.endsWith(p.id));
    expect(JSON.stringify(p2.body)).toContain(NO_LONGER_VALID);

    clockOffsetMs = 8 * 86_400_000;
    const stale = await click(card.channel, card.ts, approve);
    expect(stale.status).toBe(200);
    const p3 = await h.fake.waitForResponse((p) => stale.responseUrl.endsWith(p.id));
    expect(JSON.stringify(p3.body)).toContain(NO_LONGER_VALID);
    expect(inbound.actions).toHaveLength(0);
    expect(h.fake.calls("chat.update")).toHaveLength(0);
  });

  it("acks a click on a link button and does nothing else: Slack opened the URL itself", async () => {
    await start();
    const ref = await h.adapter.post(
      { platform: "slack", channelId: "C0GENERAL" },
      { text: "Disk full", links: [{ label: "Runbook", url: "https://runbooks.example/disk" }] },
    );
    const [link] = buttonsOf(h.fake.state.message("C0GENERAL", ref.messageId)!.blocks);
    expect(link).toMatchObject({ url: "https://runbooks.example/disk", text: "Runbook" });
    expect(link!.value).toBeUndefined();
    const clicked = await click("C0GENERAL", ref.messageId, { action_id: link!.action_id });
    expect(clicked.status).toBe(200);
    await h.adapter.settled();
    expect(inbound.actions).toHaveLength(0);
    expect(h.fake.state.responsePosts).toHaveLength(0);
  });

  it("refuses a bad signature and a timestamp older than five minutes with 401, running nothing", async () => {
    await start();
    const bad = await command({ text: "vm list" }, { signature: `v0=${"0".repeat(64)}` });
    expect(bad.status).toBe(401);
    const old = await command({ text: "vm list" }, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(old.status).toBe(401);
    const unsigned = await fetch(h.eventsUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: slashCommandBody(h.fake, { text: "vm list" }).body,
    });
    expect(unsigned.status).toBe(401);
    await new Promise((r) => setTimeout(r, 100));
    expect(inbound.commands).toHaveLength(0);
    expect(h.fake.calls("chat.postMessage")).toHaveLength(0);
    expect(h.fake.state.responsePosts).toHaveLength(0);
  });

  it("answers 400 to signed bodies that are not Slack payloads, running nothing", async () => {
    await start();
    const cases: [string, string][] = [
      ["foo=bar", "application/x-www-form-urlencoded"],
      ["payload=%7Bnot-json", "application/x-www-form-urlencoded"],
      [formPayload({ type: "block_actions", actions: [] }), "application/x-www-form-urlencoded"],
      ['{"type":"block_actions"}', "application/json"],
      ["command=%2Fpve&text=hi", "application/x-www-form-urlencoded"],
      ["hello", "text/plain"],
    ];
    for (const [body, type] of cases) {
      const res = await postSigned(h.eventsUrl, SIGNING_SECRET, body, type);
      expect(res.status, body).toBe(400);
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(inbound.commands).toHaveLength(0);
    expect(inbound.actions).toHaveLength(0);
    expect(h.fake.state.responsePosts).toHaveLength(0);
  });

  it("accepts Slack's official signing test vector end to end, with the clock at its timestamp", async () => {
    const secret = "8f742231b10e8888abcd99yyyzzz85a5";
    const body =
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    // The vector's response_url points at Slack; the outside world is injected so nothing leaves the machine.
    const sent: { url: string; body: string }[] = [];
    const recordOnly = (async (url: string | URL | Request, init?: RequestInit) => {
      sent.push({ url: String(url), body: String(init?.body) });
      return new Response("ok", { status: 200 });
    }) as typeof fetch;
    inbound = dispatcherLikeInbound(() => h.adapter);
    h = await startHttpHarness(inbound, {
      config: { signingSecret: secret },
      clock: { now: () => 1531420618 * 1000 },
      fetch: recordOnly,
    });
    const res = await fetch(h.eventsUrl, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": "1531420618",
        "x-slack-signature": "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
      },
      body,
    });
    expect(res.status).toBe(200);
    await h.adapter.settled();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.url).toMatch(/^https:\/\/hooks\.slack\.com\/commands\//);
    expect(sent[0]?.body).toContain("This bot answers `/pve`, not `/webhook-collect`.");
    expect(inbound.commands).toHaveLength(0);
  });

  it("answers Slack's url_verification challenge and unsigned ssl_check", async () => {
    await start();
    const res = await postSigned(
      h.eventsUrl,
      SIGNING_SECRET,
      '{"type":"url_verification","challenge":"c-123"}',
      "application/json",
    );
    expect(await res.json()).toEqual({ challenge: "c-123" });
    const ssl = await fetch(h.eventsUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "ssl_check=1&token=x",
    });
    expect(ssl.status).toBe(200);
  });

  it("without pacing, delivers every message despite 429s on a busy channel, and retries 5xx", async () => {
    // Pacing would send these a second apart and meet no 429; this is the safety net behind it.
    await start({
      config: { outbox: { maxAttempts: 3, backoff: "20ms", maxRetryAfter: "10s", pacing: false } },
    });
    h.fake.failNext("chat.postMessage", { status: 503 });
    await Promise.all([1, 2, 3].map(() => command({ text: "vm list" })));
    await eventually(
      () => h.fake.calls("chat.postMessage").filter((c) => c.status === 200 && !c.error).length === 3,
      10_000,
      "3 posts",
    );
    expect(h.fake.calls("chat.postMessage").some((c) => c.status === 429)).toBe(true);
    expect(h.fake.calls("chat.postMessage").some((c) => c.status === 503)).toBe(true);
    const s = h.adapter.stats();
    expect(s.failed).toBe(0);
    expect(s.rateLimited).toBeGreaterThanOrEqual(1);
    expect(s.retried).toBe(1);
    expect(h.fake.state.messages).toHaveLength(3);
  });

  it("edits the job card in place and its final state arrives", async () => {
    await start();
    await command({ text: "job 5" });
    await eventually(
      () => (h.fake.state.messages[0]?.edits ?? 0) >= 1 && h.fake.state.responsePosts.length === 1,
    );
    const card = h.fake.state.messages[0]!;
    await eventually(() => JSON.stringify(card.blocks).includes("100%"), 5000, "final progress");
    expect(JSON.stringify(card.blocks)).toContain("step 5/5");
    expect(h.fake.state.messages).toHaveLength(1);
  });

  it("coalesces a burst of progress edits behind a 429: fewer calls, and the final state arrives", async () => {
    await start();
    const card = await h.adapter.post(
      { platform: "slack", channelId: "C0GENERAL" },
      { title: "Build", progress: { fraction: 0, step: "queued" }, visibility: "channel" },
    );
    h.fake.failNext("chat.update", { status: 429, retryAfter: 1 });
    const edits = Array.from({ length: 20 }, (_, i) =>
      h.adapter.update(card, {
        title: "Build",
        progress: { fraction: (i + 1) / 20, step: `step ${i + 1}/20` },
      }),
    );
    await Promise.all(edits);
    const updates = h.fake.calls("chat.update").filter((c) => c.status === 200);
    expect(updates.length).toBeLessThan(20);
    const stored = h.fake.state.message("C0GENERAL", card.messageId)!;
    expect(JSON.stringify(stored.blocks)).toContain("step 20/20");
    expect(h.adapter.stats()).toMatchObject({ failed: 0, rateLimited: 1 });
    expect(h.adapter.stats().coalesced).toBeGreaterThan(0);
  });

  it("tells the user when the channel reply cannot be delivered, and logs the method and code", async () => {
    await start();
    h.fake.state.notInChannel.add("C0PRIVATE");
    const r = await command({ text: "vm list", channelId: "C0PRIVATE" });
    const post = await h.fake.waitForResponse((p) => r.responseUrl.endsWith(p.id));
    expect(post.body.response_type).toBe("ephemeral");
    expect(JSON.stringify(post.body)).toContain("not_in_channel");
    const failure = h.log.lines.find((l) => l.msg?.includes("delivery failed"));
    expect(failure?.obj).toMatchObject({ method: "chat.postMessage", code: "not_in_channel" });
    expect(h.adapter.stats().failed).toBe(1);
  });

  it("shows a page of a long table and attaches every row as a file", async () => {
    await start();
    const rows = Array.from({ length: 1500 }, (_, i) => [String(1000 + i), `vm-${i}`, "running"]);
    const ref = await h.adapter.post(
      { platform: "slack", channelId: "C0GENERAL" },
      { title: "All VMs", table: { columns: ["vmid", "name", "status"], rows }, visibility: "channel" },
    );
    const post = await h.fake.waitForCall("chat.postMessage");
    const blocks = JSON.parse(String(post.args.blocks)) as unknown[];
    expect(blocks.length).toBeLessThanOrEqual(50);
    expect(JSON.stringify(blocks)).toContain("rows 1–20 of 1500 · every row in `all-vms.txt`");
    await h.fake.waitForCall("files.completeUploadExternal");
    const file = [...h.fake.state.files.values()][0]!;
    expect(file).toMatchObject({
      filename: "all-vms.txt",
      channel: "C0GENERAL",
      threadTs: ref.messageId,
      completed: true,
    });
    const content = file.content!.toString("utf8");
    expect(content).toContain("vm-1499");
    expect(content.split("\n").filter((l) => /^\d{4}\s/.test(l))).toHaveLength(1500);
  });

  it("never writes the bot token, the signing secret or a response URL to the log", async () => {
    await start();
    h.fake.failNext("chat.postMessage", { error: "invalid_auth" });
    const r = await command({ text: "vm list" });
    await h.fake.waitForResponse((p) => r.responseUrl.endsWith(p.id));
    await command({ text: "help" }, { signature: "v0=bad" });
    const dump = h.log.dump();
    expect(dump).toContain("invalid_auth");
    expect(dump).not.toContain(BOT_TOKEN);
    expect(dump).not.toContain(SIGNING_SECRET);
    expect(dump).not.toContain("/respond/");
  });
});

describe("Slack adapter when the bot side misbehaves", () => {
  it("acks within 3 s even when the command never finishes", async () => {
    await start();
    let release: (() => void) | undefined;
    inbound.onCommand = () =>
      new Promise((resolve) => {
        release = () => resolve(infoReply("finally done"));
      });
    const r = await command({ text: "vm list" });
    expect(r.status).toBe(200);
    expect(r.ms).toBeLessThan(3000);
    await eventually(() => release !== undefined, 1000, "the command to reach the inbound");
    release!();
    await h.fake.waitForResponse((p) => r.responseUrl.endsWith(p.id));
  });

  it("answers a thrown UserError with its code, and anything else with 'internal error, ref …', logging the stack", async () => {
    await start();
    inbound.onCommand = async (inv) => {
      if (inv.text === "refuse") throw new UserError("E_PVE_LOCKED", "VM 100 is locked (backup)");
      throw new Error("database exploded");
    };
    const refused = await command({ text: "refuse" });
    const p1 = await h.fake.waitForResponse((p) => refused.responseUrl.endsWith(p.id));
    expect(JSON.stringify(p1.body)).toContain("VM 100 is locked (backup)");
    expect(JSON.stringify(p1.body)).toContain("E_PVE_LOCKED");
    const crashed = await command({ text: "boom" });
    const p2 = await h.fake.waitForResponse((p) => crashed.responseUrl.endsWith(p.id));
    const text = JSON.stringify(p2.body);
    expect(text).toMatch(/internal error, ref [0-9a-f-]{36}/);
    expect(text).not.toContain("database exploded");
    const logged = h.log.lines.find((l) => l.msg === "slack request failed");
    expect(JSON.stringify(logged?.obj)).toContain(text.match(/ref ([0-9a-f-]{36})/)![1]!);
  });

  it("falls back to chat.postEphemeral once the response_url is used up", async () => {
    await start();
    const conversation = {
      platform: "slack" as const,
      channelId: "C0GENERAL",
      extra: { responseUrl: h.fake.newResponseUrl(), userId: "U0ALICE" },
    };
    for (let i = 0; i < 6; i++)
      await h.adapter.post(conversation, { text: `note ${i}`, visibility: "ephemeral" });
    expect(h.fake.state.responsePosts.filter((p) => p.status === 200)).toHaveLength(5);
    const direct = await h.fake.waitForCall("chat.postEphemeral");
    expect(direct.args).toMatchObject({ channel: "C0GENERAL", user: "U0ALICE" });
    expect(h.adapter.stats().failed).toBe(0);
  });
});

describe("Slack adapter under more load than it can handle", () => {
  it("acks every command, handles them in order, and answers 'busy' in the ack once the queue is full", async () => {
    await start({ config: { handlers: { concurrency: 1, maxQueued: 1 } } });
    const gate: (() => void)[] = [];
    const seen: string[] = [];
    inbound.onCommand = (inv) => {
      seen.push(inv.text);
      return new Promise((resolve) => gate.push(() => resolve(infoReply(`done ${inv.text}`))));
    };
    const first = await command({ text: "one" });
    await eventually(() => seen.length === 1, 2000, "the first command to start");
    const second = await command({ text: "two" });
    const third = await command({ text: "three" });
    expect([first.status, second.status, third.status]).toEqual([200, 200, 200]);
    expect([first.text, second.text]).toEqual(["", ""]);
    expect(JSON.parse(third.text)).toEqual({ response_type: "ephemeral", text: BUSY });
    gate.shift()!();
    await eventually(() => seen.length === 2, 2000, "the queued command to start");
    gate.shift()!();
    await h.adapter.settled();
    expect(seen).toEqual(["one", "two"]);
    expect(h.fake.state.responsePosts.map((p) => JSON.stringify(p.body).includes("done"))).toEqual([
      true,
      true,
    ]);
  });
});
