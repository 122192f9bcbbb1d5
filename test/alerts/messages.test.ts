/**
 * The living message: one post per group per conversation, edits in place, one thread reply per render,
 * the dirty mark cleared only once every conversation shows the stored version, and a sweep that posts
 * what an outage left behind.
 */
import { describe, expect, it } from "vitest";
import { AlertMessenger } from "../../src/services/alerts/messages.js";
import { DEFAULT_ALERT_LABELS } from "../../src/services/alerts/render.js";
import { silentLog } from "../../src/services/log.js";
import { MemoryAlertStore } from "../helpers/memory-alert-store.js";
import { alertOf, batchOf, routedTo, T0 } from "./batches.js";
import { ThreadedNotifier } from "./chat.js";

const ops = { platform: "console" as const, channelId: "ops" };
const noc = { platform: "console" as const, channelId: "noc" };

function setup() {
  const store = new MemoryAlertStore();
  const chat = new ThreadedNotifier();
  let now = T0;
  const messenger = new AlertMessenger({
    store,
    notifiers: { console: chat },
    clock: { now: () => now },
    log: silentLog,
    labels: DEFAULT_ALERT_LABELS,
  });
  return { store, chat, messenger, advance: (ms: number) => (now += ms) };
}

describe("the living message", () => {
  it("is posted once per conversation, edited as the group changes, with the change in its thread", async () => {
    const { store, chat, messenger, advance } = setup();
    const first = await store.ingest(batchOf([alertOf("pve1")]), routedTo("infra", ops, noc));
    await messenger.onChanged(first);
    expect(chat.calls).toEqual(["post 1", "post 2"]);
    expect(chat.latest("1")).toMatchObject({
      title: "Firing: HostHighCpu",
      tone: "danger",
      visibility: "channel",
    });
    expect(await store.dirty(10)).toEqual([]);

    advance(60_000);
    const second = await store.ingest(
      batchOf([alertOf("pve1"), alertOf("pve2")], { receivedAt: T0 + 60_000 }),
      routedTo("infra", ops, noc),
    );
    await messenger.onChanged(second);
    expect(chat.calls.slice(2)).toEqual(["update 1", "reply 1", "update 2", "reply 2"]);
    expect(chat.latest("1").fields).toContainEqual({ label: "Alerts", value: "2 firing, 0 resolved" });
    expect(chat.messages.get("1")!.thread.map((r) => r.text)).toEqual(["2 alerts now"]);

    // The same call again changes nothing, so nothing is sent.
    await messenger.onChanged(
      await store.ingest(batchOf([alertOf("pve1"), alertOf("pve2")]), routedTo("infra", ops)),
    );
    expect(chat.calls).toHaveLength(6);

    advance(30 * 60_000);
    const resolved = [
      alertOf("pve1", { status: "resolved", endsAt: T0 }),
      alertOf("pve2", { status: "resolved", endsAt: T0 }),
    ];
    await messenger.onChanged(
      await store.ingest(batchOf(resolved, { receivedAt: T0 + 31 * 60_000 }), routedTo("infra", ops)),
    );
    const last = chat.latest("1");
    expect(last).toMatchObject({ title: "Resolved: HostHighCpu", tone: "success", buttons: [] });
    expect(last.context).toMatch(/^resolved after 31m 00s · group /);
  });

  it("leaves a group dirty while the platform is down, and the sweep posts it afterwards", async () => {
    const { store, chat, messenger } = setup();
    chat.down = true;
    const result = await store.ingest(batchOf([alertOf("pve1")]), routedTo("infra", ops));
    await messenger.onChanged(result);
    expect(await store.dirty(10)).toEqual([result.group.id]);
    chat.down = false;
    expect(await messenger.sweep()).toBe(1);
    expect(chat.calls).toEqual(["post 1"]);
    expect(await store.dirty(10)).toEqual([]);
    expect((await store.get(result.group.id))!.messages[0]!.message).toMatchObject({ messageId: "1" });
  });

  it("never leaves an older version on top: renders of one group run in order and read the newest", async () => {
    const { store, chat, messenger } = setup();
    const first = await store.ingest(batchOf([alertOf("pve1")]), routedTo("infra", ops));
    await messenger.onChanged(first);
    const results = [];
    for (let i = 2; i <= 6; i++) {
      const alerts = Array.from({ length: i }, (_, n) => alertOf(`pve${n + 1}`));
      results.push(await store.ingest(batchOf(alerts), routedTo("infra", ops)));
    }
    // Five listeners at once, the oldest change first, as a burst of webhook calls delivers them.
    await Promise.all(results.map((r) => messenger.onChanged(r)));
    expect(chat.latest("1").fields).toContainEqual({ label: "Alerts", value: "6 firing, 0 resolved" });
    // Each render read the stored group first: once the newest was shown, the older ones skipped the edit.
    expect(chat.calls.filter((c) => c.startsWith("update"))).toHaveLength(1);
    // The five calls' changes went as one thread reply, not one per call or per alert.
    expect(chat.calls.filter((c) => c.startsWith("reply"))).toHaveLength(1);
    expect(chat.messages.get("1")!.thread.map((r) => r.text)).toEqual([
      results.flatMap((r) => r.added.map((h) => h.text)).join("\n"),
    ]);
    expect(await store.dirty(10)).toEqual([]);
  });

  it("caps a thread reply at ten lines and counts the rest", async () => {
    const { store, chat, messenger } = setup();
    await messenger.onChanged(await store.ingest(batchOf([alertOf("pve0")]), routedTo("infra", ops)));
    const results = [];
    for (let i = 1; i <= 13; i++) {
      const alerts = Array.from({ length: i + 1 }, (_, n) => alertOf(`pve${n}`));
      results.push(await store.ingest(batchOf(alerts), routedTo("infra", ops)));
    }
    await Promise.all(results.map((r) => messenger.onChanged(r)));
    const lines = results.flatMap((r) => r.added.map((h) => h.text));
    expect(lines).toHaveLength(13);
    const thread = chat.messages.get("1")!.thread.map((r) => r.text ?? "");
    expect(thread).toHaveLength(1);
    expect(thread[0]!.split("\n")).toEqual([...lines.slice(0, 10), "… and 3 more"]);
  });
});
