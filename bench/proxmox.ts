/**
 * Round-trip time of the Proxmox client for `GET /cluster/resources` against the PVE simulator, next to
 * a bare node:https request of the same URL (same keep-alive, same TLS trust, JSON parsed) in the same
 * run. Prints one JSON object. The ratio says what the client costs on top of HTTP itself: path checks,
 * the typed proxy, error handling and mapping PVE's JSON to the port's types.
 *
 * Usage: tsx bench/proxmox.ts [requests]   (default 400 per side, after 50 warm-up requests each)
 */
import https from "node:https";
import { performance } from "node:perf_hooks";
import { startPveSimulator } from "../src/sim/pve/index.js";
import { simProxmoxClient } from "./support.js";

const N = Number(process.argv[2] ?? 400);
const WARMUP = 50;

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const total = samples.reduce((a, b) => a + b, 0);
  return {
    medianMs: Number(at(0.5).toFixed(3)),
    p99Ms: Number(at(0.99).toFixed(3)),
    requestsPerSecond: Math.round((samples.length / total) * 1000),
  };
}

async function main() {
  const sim = await startPveSimulator({ tls: true });
  const client = simProxmoxClient(sim);
  const url = new URL("/api2/json/cluster/resources", sim.url);
  const agent = new https.Agent({ keepAlive: true, maxSockets: 8, ca: sim.caPem });
  const authorization = `PVEAPIToken=${sim.tokenId}=${sim.tokenSecret}`;
  const bare = () =>
    new Promise<unknown>((resolve, reject) => {
      const req = https.request(url, { agent, headers: { Authorization: authorization } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve((JSON.parse(Buffer.concat(chunks).toString("utf8")) as { data: unknown }).data),
        );
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end();
    });
  const viaClient = () => client.clusterResources();

  const resources = ((await bare()) as unknown[]).length;
  for (let i = 0; i < WARMUP; i++) {
    await bare();
    await viaClient();
  }
  const clientMs: number[] = [];
  const bareMs: number[] = [];
  // Alternate the two so drift (GC, CPU frequency) hits both alike.
  for (let i = 0; i < N; i++) {
    let t = performance.now();
    await viaClient();
    clientMs.push(performance.now() - t);
    t = performance.now();
    await bare();
    bareMs.push(performance.now() - t);
  }
  const c = stats(clientMs);
  const b = stats(bareMs);
  console.log(
    JSON.stringify({
      bench: "proxmox-client",
      request: "GET /api2/json/cluster/resources",
      tls: true,
      resources,
      n: N,
      client: c,
      bare: b,
      ratio: Number((c.medianMs / b.medianMs).toFixed(3)),
      ratioP99: Number((c.p99Ms / b.p99Ms).toFixed(3)),
      target: 1.3,
      node: process.version,
    }),
  );
  client.close();
  agent.destroy();
  await sim.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
