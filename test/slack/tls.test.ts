/**
 * With NODE_TLS_REJECT_UNAUTHORIZED=0 in the environment, every Slack connection still verifies the
 * certificate: the Web API client (bot token), Socket Mode's WebSocket and response_url posts. The
 * self-signed servers here record what reaches them, so "refused" also means "nothing was sent".
 */
import { createServer as createHttpsServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createSlackAdapter, type SlackAdapter } from "../../src/adapters/slack/adapter.js";
import { slackConfigSchema } from "../../src/adapters/slack/config.js";
import { createSelfSignedCert, type SelfSignedCert } from "../../src/sim/pve/tls.js";
import { FakeSlack, postSigned, slashCommandBody } from "../fakes/slack/index.js";
import {
  APP_TOKEN,
  BOT_TOKEN,
  type HttpHarness,
  memoryLog,
  SIGNING_SECRET,
  startHttpHarness,
} from "./helpers.js";
import { dispatcherLikeInbound } from "./inbound.js";

const ENV = "NODE_TLS_REJECT_UNAUTHORIZED";

interface Recording {
  url: string;
  /** HTTP requests and WebSocket upgrades that got through the handshake. */
  seen: string[];
  /** Resolves at the first handshake the client aborted (or the first request, whichever comes first). */
  firstContact: Promise<"refused" | "request">;
  server: Server;
}

async function selfSignedServer(cert: SelfSignedCert): Promise<Recording> {
  const seen: string[] = [];
  let contact!: (how: "refused" | "request") => void;
  const firstContact = new Promise<"refused" | "request">((resolve) => {
    contact = resolve;
  });
  const server = createHttpsServer({ key: cert.keyPem, cert: cert.certPem }, (req, res) => {
    seen.push(`${req.method} ${req.url} auth=${req.headers.authorization ?? ""}`);
    contact("request");
    res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
  });
  server.on("upgrade", (req, socket) => {
    seen.push(`UPGRADE ${req.url}`);
    contact("request");
    socket.destroy();
  });
  server.on("tlsClientError", () => contact("refused"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, firstContact, server };
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

let cert: SelfSignedCert;
let saved: string | undefined;
let tlsServer: Recording;

beforeAll(async () => {
  cert = await createSelfSignedCert("127.0.0.1");
});
beforeEach(async () => {
  saved = process.env[ENV];
  process.env[ENV] = "0";
  tlsServer = await selfSignedServer(cert);
});
afterEach(async () => {
  if (saved === undefined) delete process.env[ENV];
  else process.env[ENV] = saved;
  await closeServer(tlsServer.server);
});

describe("Slack connections under NODE_TLS_REJECT_UNAUTHORIZED=0", () => {
  let adapter: SlackAdapter | undefined;
  let fake: FakeSlack | undefined;
  afterEach(async () => {
    await adapter?.stop();
    await fake?.close();
    adapter = undefined;
    fake = undefined;
  });

  it("the Web API client refuses a self-signed Slack: start fails and no bot token was sent", async () => {
    const config = slackConfigSchema.parse({
      mode: "http",
      botToken: BOT_TOKEN,
      signingSecret: SIGNING_SECRET,
      apiUrl: `${tlsServer.url}/api/`,
    });
    const log = memoryLog();
    // Nothing reaches the receiver here, so replays need no Redis: a guard that accepts every claim.
    const replays = { claim: async () => true, close: async () => undefined };
    const candidate = createSlackAdapter({ config, log, clock: { now: () => Date.now() }, replays });
    await expect(candidate.start(dispatcherLikeInbound(() => candidate))).rejects.toThrow(/auth\.test/);
    expect(await tlsServer.firstContact).toBe("refused");
    expect(tlsServer.seen).toEqual([]);
    expect(log.dump()).not.toContain(BOT_TOKEN);
  });

  it("Socket Mode refuses a WebSocket to a self-signed server: no upgrade request reaches it", async () => {
    fake = await FakeSlack.start({
      botToken: BOT_TOKEN,
      appToken: APP_TOKEN,
      socketBaseUrl: tlsServer.url.replace(/^https/, "wss"),
    });
    const config = slackConfigSchema.parse({
      mode: "socket",
      botToken: BOT_TOKEN,
      appToken: APP_TOKEN,
      apiUrl: fake.apiUrl,
    });
    adapter = createSlackAdapter({ config, log: memoryLog(), clock: { now: () => Date.now() } });
    const socketAdapter = adapter;
    // start() keeps reconnecting while the WebSocket fails, so it is not awaited; stop() ends it.
    socketAdapter.start(dispatcherLikeInbound(() => socketAdapter)).catch(() => undefined);
    expect(await tlsServer.firstContact).toBe("refused");
    expect(fake.calls("apps.connections.open").length).toBeGreaterThanOrEqual(1);
    expect(tlsServer.seen).toEqual([]);
  });
});

describe("response_url posts under NODE_TLS_REJECT_UNAUTHORIZED=0", () => {
  let h: HttpHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("a reply to a self-signed response_url is not delivered", async () => {
    const inbound = dispatcherLikeInbound(() => h!.adapter);
    h = await startHttpHarness(inbound, { config: { outbox: { maxAttempts: 1 } } });
    const { body } = slashCommandBody(h.fake, { text: "help", responseUrl: `${tlsServer.url}/respond/x` });
    const res = await postSigned(h.eventsUrl, SIGNING_SECRET, body);
    expect(res.status).toBe(200);
    expect(await tlsServer.firstContact).toBe("refused");
    await h.adapter.settled();
    expect(tlsServer.seen).toEqual([]);
    expect(inbound.commands).toHaveLength(1);
  });
});
