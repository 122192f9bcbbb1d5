/**
 * A multi-process test bed for `e2e:scale` and `chaos`: the fake Slack, the PVE simulator and the checksum
 * mirror run in this process; front-ends (`run --no-worker`) and workers (`worker`) are the real CLI in
 * child processes, each with its own config file, all on one Redis under a fresh prefix. Every process
 * reaches Slack through a small proxy of its own, so each Web API call is attributed to the process that
 * made it (which worker edited which job card).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { deleteKeysWithPrefix } from "../../src/adapters/store/redis.js";
import { ImageCatalog } from "../../src/services/templates/catalog/catalog.js";
import { startChecksumMirror } from "../../src/sim/mirror/checksum-mirror.js";
import { type PveSimulator, startPveSimulator } from "../../src/sim/pve/index.js";
import { FakeSlack, formPayload, postSigned, slashCommandBody } from "../../test/fakes/slack/index.js";
import { freePort } from "../../test/helpers/private-redis.js";

/** The built CLI (`npm run build`, which the npm scripts run first): a worker replaced after a kill is up in a second. */
const CLI = fileURLToPath(new URL("../../dist/bot/cli.js", import.meta.url));
const BOT_TOKEN = "xoxb-3333-4444-scalebenchtoken";
const SIGNING_SECRET = "fedcba9876543210fedcba9876543210";
export const CHANNEL = "C0SCALE";
const REQUESTER = "U0REQUESTER";

export type Role = "front-end" | "worker";

/** One Slack Web API call as the proxy saw it. */
export interface ProxiedCall {
  proc: string;
  method: string;
  ts?: string;
  channel?: string;
  at: number;
  /** The ts Slack answered with (a new message's, for chat.postMessage). */
  resultTs?: string;
  ok?: boolean;
}

export interface BotProcess {
  name: string;
  role: Role;
  port: number;
  child: ChildProcess;
  /** Lines the process wrote to stderr (its start errors). */
  stderr: string[];
}

export interface RigOptions {
  frontEnds: number;
  workers: number;
  redisUrl: string;
  /** Build tasks' simulated durations by PVE task type. */
  taskDurations?: Record<string, number>;
  perNode?: number;
  /** Job slots per worker process. */
  workerConcurrency?: number;
  /** Approvers (`U0APPROVER<i>`) bound to the approver role. */
  approvers?: number;
  /** More operators (`U0ASKER<i>`) besides the requester, for requests that must not be taken as one. */
  askers?: number;
  /** Proxmox request timeout; the chaos run shortens it so injected latency becomes timeouts. */
  proxmoxRequestTimeoutMs?: number;
  /** `slack.outbox` settings (retry delays) for every process. */
  slackOutbox?: Record<string, unknown>;
  /** Extra config merged into every process's file (top-level sections). */
  extra?: Record<string, unknown>;
}

export class Rig {
  readonly calls: ProxiedCall[] = [];
  readonly procs: BotProcess[] = [];
  private readonly proxies: Server[] = [];
  private spawned = 0;

  private constructor(
    readonly options: RigOptions,
    readonly fake: FakeSlack,
    readonly sim: PveSimulator,
    private readonly mirror: { mirrors: Record<string, string>; close(): Promise<void> },
    readonly redis: Redis,
    readonly prefix: string,
    private readonly dir: string,
  ) {}

  static async start(options: RigOptions): Promise<Rig> {
    // No per-channel post limit: 60 job cards in one channel would otherwise take a minute by themselves.
    const fake = await FakeSlack.start({ botToken: BOT_TOKEN, postsPerSecondPerChannel: 0 });
    const sim = await startPveSimulator({ tls: true, taskDurations: options.taskDurations ?? {} });
    const mirror = await startChecksumMirror({ catalog: ImageCatalog.load() });
    const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
    // The chaos run restarts Redis on purpose; this client reconnects by itself.
    redis.on("error", () => undefined);
    const rig = new Rig(
      options,
      fake,
      sim,
      mirror,
      redis,
      `scale:${randomUUID().slice(0, 8)}:`,
      mkdtempSync(join(tmpdir(), "pvebot-scale-")),
    );
    const starts: Promise<BotProcess>[] = [];
    for (let i = 0; i < options.frontEnds; i++) starts.push(rig.spawn("front-end"));
    for (let i = 0; i < options.workers; i++) starts.push(rig.spawn("worker"));
    try {
      await Promise.all(starts);
    } catch (err) {
      await Promise.allSettled(starts);
      await rig.stop();
      throw err;
    }
    return rig;
  }

  get frontEnds(): BotProcess[] {
    return this.procs.filter((p) => p.role === "front-end" && p.child.exitCode === null);
  }

  get workers(): BotProcess[] {
    return this.procs.filter(
      (p) => p.role === "worker" && p.child.signalCode === null && p.child.exitCode === null,
    );
  }

  /** Starts one more process of `role`; resolves once its /readyz answers 200. */
  async spawn(role: Role): Promise<BotProcess> {
    const name = `${role === "worker" ? "w" : "fe"}${++this.spawned}`;
    const proxyUrl = await this.proxy(name);
    const port = await freePort();
    const file = join(this.dir, `${name}.json`);
    writeFileSync(file, JSON.stringify(this.configFor(port, proxyUrl)));
    const args = role === "worker" ? ["worker"] : ["run", "--no-worker"];
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing; run npm run build first`);
    const child = spawn(process.execPath, [CLI, ...args, "--config", file], {
      env: { PATH: process.env.PATH ?? "", LOG_FORMAT: "json", NODE_ENV: "production" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    const proc: BotProcess = { name, role, port, child, stderr: [] };
    child.stderr!.on("data", (d: Buffer) => proc.stderr.push(String(d)));
    this.procs.push(proc);
    await this.waitReady(proc, 120_000);
    return proc;
  }

  /** SIGKILL, as a crash or an OOM kill would; resolves once the process is gone. */
  async kill(proc: BotProcess): Promise<void> {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
    const gone = new Promise((r) => proc.child.once("exit", r));
    proc.child.kill("SIGKILL");
    await gone;
  }

  /** A slash command through front-end `fe` (round robin when omitted). */
  async slash(text: string, fe: BotProcess, userId = REQUESTER): Promise<number> {
    const { body } = slashCommandBody(this.fake, { text, userId, channelId: CHANNEL });
    const res = await postSigned(`http://127.0.0.1:${fe.port}/slack/events`, SIGNING_SECRET, body);
    return res.status;
  }

  /** A button click through front-end `fe`. */
  async click(
    fe: BotProcess,
    click: { ts: string; actionId: string; value?: string; userId: string },
  ): Promise<number> {
    const payload = {
      type: "block_actions",
      user: { id: click.userId, username: click.userId, name: click.userId, team_id: this.fake.team },
      api_app_id: "A0FAKEAPP",
      token: "fake-verification-token",
      container: { type: "message", message_ts: click.ts, channel_id: CHANNEL, is_ephemeral: false },
      trigger_id: "1.2.fake",
      team: { id: this.fake.team, domain: "fake" },
      channel: { id: CHANNEL, name: "scale" },
      message: { type: "message", ts: click.ts, text: "", user: "U0FAKEBOT" },
      response_url: this.fake.newResponseUrl(),
      actions: [
        {
          type: "button",
          action_id: click.actionId,
          block_id: "b1",
          text: { type: "plain_text", text: "button", emoji: true },
          ...(click.value !== undefined ? { value: click.value } : {}),
          action_ts: String(Date.now() / 1000),
        },
      ],
    };
    const res = await postSigned(
      `http://127.0.0.1:${fe.port}/slack/events`,
      SIGNING_SECRET,
      formPayload(payload),
    );
    return res.status;
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.procs.map(async (p) => {
        if (p.child.exitCode !== null || p.child.signalCode !== null) return;
        const gone = new Promise((r) => p.child.once("exit", r));
        p.child.kill("SIGTERM");
        const timer = setTimeout(() => p.child.kill("SIGKILL"), 10_000);
        await gone;
        clearTimeout(timer);
      }),
    );
    for (const proxy of this.proxies) {
      proxy.closeAllConnections();
      await new Promise((r) => proxy.close(r));
    }
    await deleteKeysWithPrefix(this.redis, this.prefix).catch(() => 0);
    this.redis.disconnect();
    await this.mirror.close();
    await this.sim.close();
    await this.fake.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private configFor(port: number, slackApiUrl: string): Record<string, unknown> {
    const o = this.options;
    const approvers = Array.from({ length: o.approvers ?? 0 }, (_, i) => `slack:user:U0APPROVER${i}`);
    return {
      redis: { url: o.redisUrl, prefix: this.prefix },
      http: { host: "127.0.0.1", port },
      log: { level: "warn", format: "json" },
      rbac: {
        bindings: [
          {
            role: "operator",
            subjects: [
              `slack:user:${REQUESTER}`,
              ...Array.from({ length: o.askers ?? 0 }, (_, i) => `slack:user:U0ASKER${i}`),
            ],
          },
          ...(approvers.length > 0 ? [{ role: "approver", subjects: approvers }] : []),
        ],
        channels: {},
      },
      jobs: { concurrency: o.workerConcurrency ?? 2, attempts: 3, backoff: 500, progressInterval: 1000 },
      slack: {
        mode: "http",
        botToken: BOT_TOKEN,
        signingSecret: SIGNING_SECRET,
        apiUrl: slackApiUrl,
        ...(o.slackOutbox ? { outbox: o.slackOutbox } : {}),
      },
      proxmox: {
        url: this.sim.url,
        tokenId: this.sim.tokenId,
        tokenSecret: this.sim.tokenSecret,
        tlsFingerprint: this.sim.fingerprint,
        ...(o.proxmoxRequestTimeoutMs ? { timeouts: { request: o.proxmoxRequestTimeoutMs } } : {}),
      },
      templates: {
        concurrency: { perNode: o.perNode ?? 2 },
        defaults: { disk: 4 },
        catalog: { mirrors: this.mirror.mirrors },
      },
      ...o.extra,
    };
  }

  /** A forwarding proxy to the fake Slack that records which process made each Web API call. */
  private async proxy(proc: string): Promise<string> {
    const target = this.fake.baseUrl;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        const method = (req.url ?? "").replace(/^\/api\//, "").split("?")[0]!;
        const fields = parseFields(String(req.headers["content-type"] ?? ""), body.toString("utf8"));
        const call: ProxiedCall = { proc, method, ts: fields.ts, channel: fields.channel, at: Date.now() };
        this.calls.push(call);
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) {
          if (typeof v === "string" && k !== "host" && k !== "content-length") headers[k] = v;
        }
        fetch(`${target}${req.url}`, {
          method: req.method,
          headers,
          body: req.method === "GET" ? undefined : body,
        })
          .then(async (answer) => {
            const text = Buffer.from(await answer.arrayBuffer());
            try {
              const parsed = JSON.parse(text.toString("utf8")) as { ok?: boolean; ts?: string };
              call.ok = parsed.ok === true;
              if (typeof parsed.ts === "string") call.resultTs = parsed.ts;
            } catch {
              call.ok = false;
            }
            const out: Record<string, string> = {};
            answer.headers.forEach((v, k) => {
              if (k !== "content-length" && k !== "transfer-encoding" && k !== "connection") out[k] = v;
            });
            res.writeHead(answer.status, out);
            res.end(text);
          })
          .catch(() => {
            res.writeHead(502);
            res.end();
          });
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    this.proxies.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
  }

  private async waitReady(proc: BotProcess, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (proc.child.exitCode !== null) {
        throw new Error(`${proc.name} exited at start: ${proc.stderr.join("").trim().slice(0, 500)}`);
      }
      const ok = await fetch(`http://127.0.0.1:${proc.port}/readyz`)
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${proc.name} was not ready within ${timeoutMs} ms`);
  }
}

function parseFields(contentType: string, text: string): { ts?: string; channel?: string } {
  try {
    const fields: Record<string, unknown> = contentType.includes("json")
      ? (JSON.parse(text) as Record<string, unknown>)
      : Object.fromEntries(new URLSearchParams(text));
    return {
      ...(typeof fields.ts === "string" ? { ts: fields.ts } : {}),
      ...(typeof fields.channel === "string" ? { channel: fields.channel } : {}),
    };
  } catch {
    return {};
  }
}

/** Waits until `check` holds, polling; throws with `what` after `timeoutMs`. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
