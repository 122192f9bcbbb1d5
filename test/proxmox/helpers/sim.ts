/**
 * Runs the client against the PVE simulator and checks, after each test, that every request the client
 * sent passes the official PVE schema (the simulator's validator over apidata), so a request real PVE
 * would refuse with 400 or 501 fails the test even if the simulator's handler were lenient.
 */

import { expect } from "vitest";
import { createProxmoxClient, type ProxmoxClient } from "../../../src/adapters/proxmox/client.js";
import { type ProxmoxConfigInput, proxmoxConfigSchema } from "../../../src/adapters/proxmox/config.js";
import type { CommandContext, CommandServices } from "../../../src/commands/definition.js";
import { type PveSimulator, type SimOptions, startPveSimulator } from "../../../src/sim/pve/index.js";
import { type CapturedLog, captureLog } from "./client.js";
import { simPacedSleep } from "./sim-paced-sleep.js";

export interface SimClient {
  sim: PveSimulator;
  client: ProxmoxClient;
  log: CapturedLog;
  clientFor(tokenId: string, tokenSecret: string, overrides?: Partial<ProxmoxConfigInput>): ProxmoxClient;
  /** Asserts every request reached PVE's schema intact; call before closing. */
  expectSchemaValid(): void;
  close(): Promise<void>;
}

/**
 * By default `client` uses the token docs/PROXMOX.md sets up (`access: "read-only"` for the inventory-only
 * setup). `rootToken` names a root@pam token without privilege separation for tests of API behaviour
 * on VMs outside the bot's pool; the simulator never hands one out otherwise.
 */
export async function startSimClient(
  options: SimOptions & { rootToken?: string } = {},
  overrides: Partial<ProxmoxConfigInput> = {},
): Promise<SimClient> {
  const { rootToken, ...simOptions } = options;
  const sim = await startPveSimulator({ tls: true, defaultTaskDurationMs: 30, ...simOptions });
  const log = captureLog();
  const sleep = simPacedSleep(sim);
  const clients: ProxmoxClient[] = [];
  const clientFor = (tokenId: string, tokenSecret: string, more: Partial<ProxmoxConfigInput> = {}) => {
    const c = createProxmoxClient(
      proxmoxConfigSchema.parse({
        url: sim.url,
        tokenId,
        tokenSecret,
        tlsFingerprint: sim.fingerprint,
        ...overrides,
        ...more,
      }),
      // Real clock; waits for a task end when the simulator ends it rather than at the next poll.
      { log, clock: { now: () => Date.now() }, sleep, retryBaseMs: 20 },
    );
    clients.push(c);
    return c;
  };
  const root = rootToken ? sim.addToken({ tokenId: `root@pam!${rootToken}`, privsep: false }) : undefined;
  const client = root ? clientFor(root.tokenId, root.secret) : clientFor(sim.tokenId, sim.tokenSecret);
  return {
    sim,
    client,
    log,
    clientFor,
    expectSchemaValid: () => {
      // Status 0: the connection was cut before an answer (injected latency or drop); the simulator
      // records no body for those, so there is nothing to check.
      const refused = sim.requests.entries
        .filter((e) => e.status !== 0)
        .map((e) => ({ e, v: sim.validate(e.method, e.path, { ...e.query, ...e.body }) }))
        .filter(({ e, v }) => !v.ok || e.status === 400 || e.status === 501)
        .map(({ e, v }) => `${e.method} ${e.path} → ${e.status} ${JSON.stringify(v)}`);
      expect(refused).toEqual([]);
      expect(sim.requests.entries.length).toBeGreaterThan(0);
    },
    close: async () => {
      for (const c of clients) c.close();
      await sim.close();
    },
  };
}

/** The context an inventory command runs in, as a viewer, with only the simulator's client wired. */
export function simCommandContext(t: SimClient): CommandContext {
  return {
    actor: { platform: "console", id: "alice", name: "Alice", groups: [] },
    role: "viewer",
    conversation: { platform: "console", channelId: "console" },
    requestId: "req-1",
    clock: { now: () => Date.now() },
    log: t.log,
    services: { proxmox: t.client } as unknown as CommandServices,
  };
}
