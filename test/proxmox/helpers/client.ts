/** Builds a client against a test server with a captured log, a manual clock and instant sleeps. */
import { createProxmoxClient, type ProxmoxClient } from "../../../src/adapters/proxmox/client.js";
import { type ProxmoxConfigInput, proxmoxConfigSchema } from "../../../src/adapters/proxmox/config.js";
import type { Clock, Log } from "../../../src/services/ports.js";

export const TOKEN_ID = "chatops@pve!bot";
export const TOKEN_SECRET = "5f0e2a7c-1d2b-4c3e-9f8a-0b1c2d3e4f5a";

export interface CapturedLog extends Log {
  lines: { level: string; obj: unknown; msg?: string | undefined }[];
  text(): string;
}

export function captureLog(): CapturedLog {
  const lines: CapturedLog["lines"] = [];
  const at =
    (level: string) =>
    (obj: object | string, msg?: string): void => {
      lines.push({ level, obj, msg });
    };
  const log: CapturedLog = {
    lines,
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: () => log,
    text: () => JSON.stringify(lines),
  };
  return log;
}

export class ManualClock implements Clock {
  constructor(public t = 1_700_000_000_000) {}
  now(): number {
    return this.t;
  }
}

export interface TestClient {
  client: ProxmoxClient;
  log: CapturedLog;
  clock: ManualClock;
  /** Delays the client asked to sleep, in order. */
  sleeps: number[];
}

export function makeClient(url: string, overrides: Partial<ProxmoxConfigInput> = {}): TestClient {
  const log = captureLog();
  const clock = new ManualClock();
  const sleeps: number[] = [];
  const config = proxmoxConfigSchema.parse({
    url,
    tokenId: TOKEN_ID,
    tokenSecret: TOKEN_SECRET,
    getRetries: 2,
    // The fake PVE serves plain http unless a test gives it a certificate.
    allowInsecureHttp: url.startsWith("http://"),
    ...overrides,
  });
  const client = createProxmoxClient(config, {
    log,
    clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.t += ms;
    },
    retryBaseMs: 10,
  });
  return { client, log, clock, sleeps };
}
