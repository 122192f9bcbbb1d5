/**
 * Config input that is syntactically fine but must still be refused: durations of 0 where a timer, an
 * expiry or a retry delay cannot be zero, and YAML whose anchors point into themselves or expand without
 * bound. Each is one clear `path: reason` line, never a stack overflow.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ConfigError, loadConfig } from "../../src/bot/config/load.js";
import { scratchDir } from "./helpers.js";

let scratch: ReturnType<typeof scratchDir>;
beforeEach(() => {
  scratch = scratchDir();
});
afterEach(() => scratch.cleanup());

function load(yaml: string): ConfigError[] {
  const file = scratch.write("c.yml", yaml);
  const result = loadConfig({ argv: ["--config", file], env: {} });
  if (result.ok) throw new Error(`expected errors, got a valid config: ${JSON.stringify(result.config)}`);
  return result.errors;
}

const PROXMOX =
  "proxmox:\n  url: https://pve1.example:8006\n  tokenId: bot@pve!chatops\n  tokenSecret: s3cr3t\n";
const SLACK = "slack:\n  botToken: xoxb-1\n  signingSecret: abc\n";

describe("durations of zero", () => {
  it.each([
    ["approvals.default.expiry", "approvals:\n  default:\n    expiry: 0s\n"],
    [
      'approvals.commands["template.delete"].expiry',
      "approvals:\n  commands:\n    template.delete: { expiry: 0 }\n",
    ],
    ["approvals.sweepInterval", "approvals:\n  sweepInterval: 0ms\n"],
    ["jobs.backoff", "jobs:\n  backoff: 0\n"],
    ["jobs.progressInterval", "jobs:\n  progressInterval: 0s\n"],
    ["proxmox.timeouts.request", `${PROXMOX}  timeouts:\n    request: 0s\n`],
    ["proxmox.timeouts.task", `${PROXMOX}  timeouts:\n    task: 0m\n`],
    ["proxmox.versionCacheTtl", `${PROXMOX}  versionCacheTtl: 0ms\n`],
    ["slack.actionMaxAge", `${SLACK}  actionMaxAge: 0d\n`],
    ["slack.outbox.backoff", `${SLACK}  outbox:\n    backoff: 0\n`],
    ["slack.outbox.maxRetryAfter", `${SLACK}  outbox:\n    maxRetryAfter: 0s\n`],
  ])("%s: 0 is refused with a reason", (path, yaml) => {
    const errors = load(yaml);
    expect(errors).toContainEqual({ path, message: expect.stringMatching(/must be longer than 0/) });
  });

  it("still accepts the smallest real values", () => {
    const file = scratch.write(
      "ok.yml",
      "approvals:\n  default: { expiry: 1s }\n  sweepInterval: 1ms\njobs:\n  backoff: 1\n  progressInterval: 1ms\n",
    );
    const result = loadConfig({ argv: ["--config", file], env: {} });
    expect(result.ok && result.config.approvals.default.expiry).toBe(1000);
    expect(result.ok && result.config.jobs.backoff).toBe(1);
  });
});

describe("recursive and exploding YAML anchors", () => {
  it.each([
    ["a sequence that contains itself", "rbac:\n  bindings: &b [*b]\n", "*b", "2:17"],
    ["a mapping that contains itself", "console:\n  users: &u\n    alice:\n      groups: *u\n", "*u", "4:15"],
    ["a cycle through two anchors", "x: &a\n  y: &b\n    z: [*a]\n", "*a", "3:9"],
    ["an alias used as a key of its own anchor", "? &k [*k]\n: 1\n", "*k", "1:7"],
  ])("%s is a config error naming the alias and its line", (_name, yaml, alias, at) => {
    const errors = load(yaml);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.path).toBe(`${scratch.dir}/c.yml:${at}`);
    expect(errors[0]!.message).toContain(`YAML alias ${alias} refers to a node that contains it`);
  });

  it("a billion-laughs expansion is refused by the alias budget", () => {
    const rows = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (const [name, prev] of [
      ["b", "a"],
      ["c", "b"],
      ["d", "c"],
      ["e", "d"],
      ["f", "e"],
      ["g", "f"],
    ])
      rows.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(",")}]`);
    const errors = load(`${rows.join("\n")}\n`);
    expect(errors).toEqual([
      {
        path: `${scratch.dir}/c.yml`,
        message: expect.stringMatching(/^YAML could not be read: Excessive alias count/),
      },
    ]);
  });

  it("ordinary anchors and aliases still work", () => {
    const file = scratch.write(
      "ok.yml",
      "rbac:\n  bindings:\n    - { role: viewer, subjects: &ops [console:user:alice] }\n    - { role: operator, subjects: *ops }\n",
    );
    const result = loadConfig({ argv: ["--config", file], env: {} });
    expect(result.ok && result.config.rbac.bindings.map((b) => b.subjects)).toEqual([
      ["console:user:alice"],
      ["console:user:alice"],
    ]);
  });
});
