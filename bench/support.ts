/** What the Proxmox benchmarks share: the real client against the simulator, and peak RSS sampling. */
import { createProxmoxClient, type ProxmoxClient } from "../src/adapters/proxmox/client.js";
import { proxmoxConfigSchema } from "../src/adapters/proxmox/config.js";
import { systemClock } from "../src/services/clock.js";
import { silentLog } from "../src/services/log.js";

/** The bot's own client, with the simulator's documented token and its TLS fingerprint. */
export function simProxmoxClient(sim: {
  url: string;
  tokenId: string;
  tokenSecret: string;
  fingerprint: string;
}): ProxmoxClient {
  return createProxmoxClient(
    proxmoxConfigSchema.parse({
      url: sim.url,
      tokenId: sim.tokenId,
      tokenSecret: sim.tokenSecret,
      tlsFingerprint: sim.fingerprint,
    }),
    { log: silentLog, clock: systemClock },
  );
}

/** Samples the process's RSS every 50 ms until `stop`; `peakMB` is the largest seen so far. */
export function rssSampler(): { peakMB(): number; stop(): void } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  return {
    peakMB: () => Math.round(peak / 1024 / 1024),
    stop: () => clearInterval(timer),
  };
}
