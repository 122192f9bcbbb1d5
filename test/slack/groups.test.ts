import { webApi } from "@slack/bolt";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GroupDirectory } from "../../src/adapters/slack/groups.js";
import { FakeSlack } from "../fakes/slack/index.js";
import { BOT_TOKEN, memoryLog } from "./helpers.js";

let fake: FakeSlack;
let now = 1_000_000;
const clock = { now: () => now };

beforeEach(async () => {
  fake = await FakeSlack.start({ botToken: BOT_TOKEN });
  now = 1_000_000;
});
afterEach(async () => {
  await fake.close();
});

function directory(ttlMs = 60_000) {
  const client = new webApi.WebClient(BOT_TOKEN, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
  const log = memoryLog();
  return { groups: new GroupDirectory(client, clock, ttlMs, log), log };
}

describe("Slack user-group directory", () => {
  it("maps users to their groups with one usergroups.list call per TTL", async () => {
    fake.state.usergroups.push({ id: "S0OPS", handle: "ops", users: ["U0ALICE", "U0BOB"] });
    fake.state.usergroups.push({ id: "S0ADMINS", handle: "admins", users: ["U0ALICE"] });
    const { groups } = directory();
    expect(await groups.groupsOf("U0ALICE")).toEqual(["S0OPS", "S0ADMINS"]);
    expect(await groups.groupsOf("U0BOB")).toEqual(["S0OPS"]);
    expect(await groups.groupsOf("U0NOBODY")).toEqual([]);
    expect(fake.calls("usergroups.list")).toHaveLength(1);
    expect(fake.calls("usergroups.list")[0]?.args.include_users).toBe("true");

    fake.state.usergroups[0]!.users = ["U0ALICE"];
    now += 59_000;
    expect(await groups.groupsOf("U0BOB")).toEqual(["S0OPS"]);
    now += 1_000;
    expect(await groups.groupsOf("U0BOB")).toEqual([]);
    expect(fake.calls("usergroups.list")).toHaveLength(2);
  });

  it("shares one request between concurrent lookups", async () => {
    fake.state.usergroups.push({ id: "S0OPS", handle: "ops", users: ["U0ALICE"] });
    const { groups } = directory();
    const all = await Promise.all(Array.from({ length: 10 }, () => groups.groupsOf("U0ALICE")));
    expect(all.every((g) => g[0] === "S0OPS")).toBe(true);
    expect(fake.calls("usergroups.list")).toHaveLength(1);
  });

  it("keeps the last known memberships when Slack refuses, and has none before the first success", async () => {
    fake.state.usergroups.push({ id: "S0OPS", handle: "ops", users: ["U0ALICE"] });
    const { groups, log } = directory();
    fake.failNext("usergroups.list", { error: "missing_scope" });
    expect(await groups.groupsOf("U0ALICE")).toEqual([]);
    expect(log.lines[0]?.obj).toMatchObject({ method: "usergroups.list", code: "missing_scope" });
    now += 30_000;
    expect(await groups.groupsOf("U0ALICE")).toEqual(["S0OPS"]);
    now += 60_000;
    fake.failNext("usergroups.list", { status: 500 });
    expect(await groups.groupsOf("U0ALICE")).toEqual(["S0OPS"]);
  });
});
