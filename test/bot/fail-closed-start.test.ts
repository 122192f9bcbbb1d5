/**
 * Fail closed at start, through the real CLI: every fatal start error ends the process with exit code 1
 * and one line on stderr (no stack anywhere), and the HTTP server listens only once every chat adapter is
 * up, so nothing reports itself ready with no chat attached.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeSlack } from "../fakes/slack/index.js";
import { REDIS_URL } from "../helpers/dispatcher-harness.js";
import { BOT_TOKEN, SIGNING_SECRET } from "../slack/helpers.js";
import { freePort, privateRedis, runCli, STACK_FRAME } from "./cli-process.js";

const TOKEN_ID = "chatops@pve!bot";
const TOKEN_SECRET = "5f1e8a52-6a4b-4d7e-9a56-3f0e2b7c1d90";
const FINGERPRINT = Array.from({ length: 32 }, () => "AB").join(":");

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "pvebot-start-"));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function baseEnv(port: number): Record<string, string> {
  return {
    REDIS_URL,
    PVEBOT_REDIS_PREFIX: `test:${randomUUID()}:`,
    PVEBOT_HTTP_HOST: "127.0.0.1",
    PVEBOT_HTTP_PORT: String(port),
    PVEBOT_RUN_WORKER: "false",
    LOG_LEVEL: "info",
  };
}

/** The one-line verdict: exactly one line on stderr, and no stack frame in anything the process printed. */
function expectOneLine(run: { stdout(): string; stderr(): string }): string {
  const lines = run.stderr().split("\n").filter(Boolean);
  expect(lines, run.stderr()).toHaveLength(1);
  expect(run.stderr() + run.stdout()).not.toMatch(STACK_FRAME);
  expect(run.stdout()).not.toContain('"stack"');
  return lines[0]!;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describe("a start that cannot succeed exits 1 with one line", () => {
  it("Slack refusing the bot token (auth.test: invalid_auth)", async () => {
    const fake = await FakeSlack.start({ botToken: BOT_TOKEN });
    try {
      const run = runCli(["run"], {
        ...baseEnv(await freePort()),
        SLACK_BOT_TOKEN: "xoxb-revoked-token",
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: fake.apiUrl,
      });
      expect(await run.exited(30_000)).toBe(1);
      const line = expectOneLine(run);
      expect(line).toBe(
        "proxmox-chatops: Slack rejected the bot token (auth.test: invalid_auth); check SLACK_BOT_TOKEN",
      );
      expect(fake.calls("auth.test").map((c) => c.error)).toEqual(["invalid_auth"]);
      expect(run.stdout()).not.toContain("HTTP server listening");
      expect(run.stdout() + run.stderr()).not.toContain("xoxb-revoked-token");
    } finally {
      await fake.close();
    }
  }, 60_000);

  it("a worker whose Slack token is refused (it edits job cards, so it checks the token too)", async () => {
    const fake = await FakeSlack.start({ botToken: BOT_TOKEN });
    try {
      const run = runCli(["worker"], {
        ...baseEnv(await freePort()),
        SLACK_BOT_TOKEN: "xoxb-revoked-token",
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: fake.apiUrl,
      });
      expect(await run.exited(30_000)).toBe(1);
      expect(expectOneLine(run)).toBe(
        "proxmox-chatops: slack: Slack refused the bot token (auth.test: invalid_auth)",
      );
      expect(run.stdout()).not.toContain("HTTP server listening");
    } finally {
      await fake.close();
    }
  }, 60_000);

  it("Redis that requires a password (NOAUTH) or refuses the given one (WRONGPASS)", async () => {
    const redis = await privateRedis(["--requirepass", "s3cret-pass"]);
    try {
      const noPassword = runCli(["run"], { ...baseEnv(await freePort()), REDIS_URL: redis.url });
      expect(await noPassword.exited(30_000)).toBe(1);
      expect(expectOneLine(noPassword)).toMatch(
        /^proxmox-chatops: Redis at redis:\/\/127\.0\.0\.1:\d+ refused the connection: NOAUTH .*Check the password or user in REDIS_URL\.$/,
      );
      const wrongUrl = redis.url.replace("redis://", "redis://:wrong-guess@");
      const wrong = runCli(["run"], { ...baseEnv(await freePort()), REDIS_URL: wrongUrl });
      expect(await wrong.exited(30_000)).toBe(1);
      const line = expectOneLine(wrong);
      expect(line).toMatch(/refused the connection: WRONGPASS /);
      expect(wrong.stdout() + wrong.stderr()).not.toContain("wrong-guess");
    } finally {
      await redis.stop();
    }
  }, 60_000);

  it("Proxmox not reachable within proxmox.timeouts.start", async () => {
    const closed = await freePort();
    const file = join(scratch, "pve-down.yml");
    writeFileSync(
      file,
      [
        "proxmox:",
        `  url: https://127.0.0.1:${closed}`,
        `  tokenId: "${TOKEN_ID}"`,
        `  tlsFingerprint: "${FINGERPRINT}"`,
        "  timeouts: { start: 1s }",
        "",
      ].join("\n"),
    );
    const run = runCli(["run", "--config", file], {
      ...baseEnv(await freePort()),
      PROXMOX_TOKEN_SECRET: TOKEN_SECRET,
    });
    expect(await run.exited(30_000)).toBe(1);
    expect(expectOneLine(run)).toMatch(
      new RegExp(
        `^proxmox-chatops: Proxmox at https://127\\.0\\.0\\.1:${closed} (was not reachable|did not answer) within 1 s \\(proxmox\\.timeouts\\.start\\)`,
      ),
    );
    expect(run.stdout()).not.toContain("HTTP server listening");
    expect(run.stdout() + run.stderr()).not.toContain(TOKEN_SECRET);
  }, 60_000);

  it("an HTTP port that is taken, after everything else started", async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, "127.0.0.1", r));
    const { port } = taken.address() as { port: number };
    try {
      const run = runCli(["run"], baseEnv(port));
      expect(await run.exited(30_000)).toBe(1);
      expect(expectOneLine(run)).toBe(`proxmox-chatops: cannot listen on 127.0.0.1:${port}: EADDRINUSE`);
    } finally {
      await new Promise<void>((r) => taken.close(() => r()));
    }
  }, 60_000);

  it("a Proxmox CA file that does not exist", async () => {
    const run = runCli(["run"], {
      ...baseEnv(await freePort()),
      PROXMOX_URL: "https://127.0.0.1:8006",
      PROXMOX_TOKEN_ID: TOKEN_ID,
      PROXMOX_TOKEN_SECRET: TOKEN_SECRET,
      PROXMOX_TLS_CA_FILE: join(scratch, "no-such-ca.pem"),
    });
    expect(await run.exited(30_000)).toBe(1);
    // The config layer may refuse it (a heading and one line per bad key) or the start (one line): either
    // way exactly one line names the problem, and there is no stack.
    const naming = run
      .stderr()
      .split("\n")
      .filter((l) => l.includes("tlsCaFile") && l.includes("no-such-ca.pem"));
    expect(naming, run.stderr()).toHaveLength(1);
    expect(run.stderr() + run.stdout()).not.toMatch(STACK_FRAME);
    expect(run.stdout()).not.toContain("HTTP server listening");
  }, 60_000);
});

/** A Slack Web API whose auth.test answers only when the test says so. */
async function heldSlack() {
  let release: () => void = () => {};
  const released = new Promise<void>((r) => {
    release = r;
  });
  let arrived: () => void = () => {};
  const authAsked = new Promise<void>((r) => {
    arrived = r;
  });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    if (req.url !== "/api/auth.test") {
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":false,"error":"unknown_method"}');
      return;
    }
    arrived();
    void released.then(() => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          ok: true,
          url: "https://fake.slack.com/",
          team: "Fake",
          user: "bot",
          team_id: "T0FAKE",
          user_id: "U0BOT",
          bot_id: "B0BOT",
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  return {
    apiUrl: `http://127.0.0.1:${port}/api/`,
    authAsked,
    release,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe("a start that succeeds", () => {
  it("opens the HTTP port only after Slack accepted the token, then reports Slack in /readyz", async () => {
    const slack = await heldSlack();
    const port = await freePort();
    const run = runCli(["run"], {
      ...baseEnv(port),
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
    });
    try {
      await slack.authAsked;
      expect(await portOpen(port)).toBe(false);
      slack.release();
      const deadline = Date.now() + 20_000;
      let ready: { status: string; checks: { name: string; ok: boolean }[] } | undefined;
      while (!ready) {
        if (Date.now() > deadline) throw new Error(`never ready; stderr: ${run.stderr()}`);
        const res = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
        if (res?.status === 200) ready = (await res.json()) as typeof ready;
        else await new Promise((r) => setTimeout(r, 50));
      }
      expect(ready.checks.map((c) => [c.name, c.ok])).toEqual([
        ["redis", true],
        ["slack", true],
      ]);
      await run.stop();
      expect(run.child.exitCode).toBe(0);
      expect(run.stderr()).toBe("");
    } finally {
      await run.stop();
      await slack.close();
    }
  }, 60_000);
});
