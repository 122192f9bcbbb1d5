import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { deleteKeysWithPrefix } from "../../src/adapters/store/redis.js";
import { ALL_COMMANDS } from "../../src/commands/index.js";
import { provisionConfigSchema } from "../../src/services/provision/config.js";
import { profilesReply } from "../../src/services/provision/profiles.js";
import { CONVERSATION, consoleActor, createHarness, type Harness } from "../helpers/dispatcher-harness.js";
import { type ProvisionRig, startProvisionRig } from "./rig.js";

const example = parse(readFileSync(new URL("../../config.example.yml", import.meta.url), "utf8")) as {
  provision: unknown;
};

describe("profiles in config", () => {
  it("the example config's docker-host and k3s-node profiles parse, with their post-boot steps", () => {
    const config = provisionConfigSchema.parse(example.provision);
    expect(Object.keys(config.profiles).sort()).toEqual(["docker-host", "k3s-node"]);
    expect(config.profiles["docker-host"]).toMatchObject({ memory: 8192, disk: 40, approval: false });
    expect(config.profiles["docker-host"]!.postBoot[1]!.input).toContain("services:");
    expect(config.profiles["k3s-node"]).toMatchObject({ approval: true, memory: 4096 });
    expect(config.profiles["k3s-node"]!.postBoot[0]).toMatchObject({ timeout: 600_000, expectExit: [0] });
  });

  it.each([
    [{ profiles: { web: { memory: "4X" } } }, /memory size/],
    [{ profiles: { web: { disk: "1.5G" } } }, /whole GiB/],
    [{ profiles: { Web: {} } }, /profile name/],
    [{ profiles: { web: { postBoot: [{ name: "x", run: "true", timeout: "soon" }] } } }, /duration/],
    [{ profiles: { web: { cloudInit: { cicustom: "user=snippets.yml" } } } }, /Invalid string/],
    [{ networks: [{ name: "lab", cidr: "10.0.0.0/99" }] }, /prefix/],
    [{ profiles: { web: { cores: 2, ram: 4 } } }, /ram/],
  ])("refuses %j with a specific message", (input, message) => {
    const parsed = provisionConfigSchema.safeParse(input);
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toMatch(message);
  });

  it("vm profiles lists every profile with its shape, approval and post-boot steps", () => {
    const reply = profilesReply(provisionConfigSchema.parse(example.provision));
    expect(reply.table?.rows).toEqual([
      [
        "docker-host",
        "4 cores, 8G, 40G disk",
        "dhcp",
        "chatops;docker-host;docker",
        "no",
        "install-docker → compose-up",
        "Docker Engine with one compose project",
      ],
      [
        "k3s-node",
        "2 cores, 4G, 30G disk",
        "template's",
        "chatops;k3s-node;k3s",
        "yes",
        "install-k3s → wait-ready",
        "single-node k3s (Kubernetes)",
      ],
    ]);
    expect(profilesReply(provisionConfigSchema.parse({})).text).toMatch(/No profiles are configured/);
  });
});

describe("a profile that needs approval", () => {
  let rig: ProvisionRig | undefined;
  let h: Harness | undefined;
  afterEach(async () => {
    if (h) {
      await deleteKeysWithPrefix(h.redis, h.prefix);
      await h.close();
    }
    await rig?.close();
    rig = h = undefined;
  });

  it("sends vm create through the approval gate; another profile runs at once", async () => {
    rig = await startProvisionRig({ provision: { profiles: { guarded: { approval: true }, free: {} } } });
    h = await createHarness({
      commands: [...ALL_COMMANDS],
      rbac: {
        bindings: [
          { role: "operator", subjects: ["console:user:alice"] },
          { role: "approver", subjects: ["console:group:leads"] },
        ],
        channels: {},
      },
      services: { proxmox: rig.sim.client, provision: rig.provision },
      jobDefinitions: rig.definitions,
    });
    const say = (text: string) =>
      h!.dispatcher.onCommand({
        actor: consoleActor("alice"),
        conversation: CONVERSATION,
        text,
        requestId: `r-${text}`,
      });
    const guarded = await say("vm create web --from 9000 --profile guarded");
    expect(guarded.title).toBe("Approval requested");
    expect(rig.sim.sim.requests.entries.filter((e) => e.method !== "GET")).toEqual([]);
    const [pending] = await h.approvals.listPending();
    expect(pending?.command).toBe("vm.create");
    // A second person's Approve runs it: the job is queued with the approved arguments.
    const approved = await h.dispatcher.onAction({
      actor: consoleActor("bob", ["leads"]),
      conversation: CONVERSATION,
      message: pending!.message!,
      actionId: `approval:${pending!.id}:approve`,
      requestId: "approve-1",
    });
    expect(approved?.errorCode).toBeUndefined();
    const titles = [...h.notifier.messages.values()].flatMap((m) => m.replies.map((r) => r.title));
    expect(titles).toContain("Create VM web from tmpl-debian-12");
    const free = await say("vm create web --from 9000 --profile free");
    expect(free.title).not.toBe("Approval requested");
    expect(free.jobId).toBeDefined();
  });
});
