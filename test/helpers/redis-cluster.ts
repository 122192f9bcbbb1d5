/**
 * A throw-away 3-master Redis Cluster on loopback for tests: three `redis-server --cluster-enabled yes`
 * on free ports in a temporary directory, joined by `redis-cli --cluster create`, stopped by `stop()`.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { freePort } from "./private-redis.js";

const run = promisify(execFile);

export interface TestCluster {
  ports: number[];
  /** `redis+cluster://` URL naming every master as a seed. */
  url: string;
  stop(): Promise<void>;
}

function startNode(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(
    "redis-server",
    [
      ...["--port", String(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes"],
      ...["--cluster-config-file", `nodes-${port}.conf`, "--cluster-node-timeout", "2000"],
      ...["--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", dir],
    ],
    { stdio: ["ignore", "pipe", "ignore"] },
  );
  return new Promise((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      if (String(d).includes("Ready to accept connections")) resolve(child);
    });
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`cluster node on ${port} exited with ${code}`)));
  });
}

async function waitForState(ports: number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const port of ports) {
    const client = new Redis({ port, host: "127.0.0.1", lazyConnect: true });
    try {
      for (;;) {
        const info = await client.cluster("INFO");
        if (String(info).includes("cluster_state:ok")) break;
        if (Date.now() > deadline) throw new Error(`cluster node ${port} never reached cluster_state:ok`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      client.disconnect();
    }
  }
}

export async function startTestCluster(): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), "pvebot-cluster-"));
  const ports = [await freePort(), await freePort(), await freePort()];
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.removeAllListeners("exit");
            child.once("exit", () => resolve());
            child.kill("SIGKILL");
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) children.push(await startNode(port, dir));
    await run("redis-cli", [
      "--cluster",
      "create",
      ...ports.map((p) => `127.0.0.1:${p}`),
      "--cluster-replicas",
      "0",
      "--cluster-yes",
    ]);
    await waitForState(ports, 15_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { ports, url: `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(",")}`, stop };
}
