/**
 * A real Alertmanager (Debian's `prometheus-alertmanager`) for one test: loopback only, free ports, a
 * temporary storage directory, no cluster, and a config whose one receiver posts webhooks to the given URL
 * with fast grouping (group_wait 1s), so an alert posted to its API reaches the receiver in about a second.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./private-redis.js";

export const ALERTMANAGER_BIN = process.env.ALERTMANAGER_BIN ?? "prometheus-alertmanager";

/** Whether the binary is installed (`.ci/run` installs it; a developer machine may not have it). */
export function alertmanagerInstalled(): boolean {
  return spawnSync(ALERTMANAGER_BIN, ["--version"], { stdio: "ignore" }).status === 0;
}

export interface RunningAlertmanager {
  /** `http://127.0.0.1:<port>`: the silence client's URL; the API is under /api/v2. */
  url: string;
  stop(): Promise<void>;
}

export async function startAlertmanager(options: {
  webhookUrl: string;
  bearer?: string;
}): Promise<RunningAlertmanager> {
  const dir = mkdtempSync(join(tmpdir(), "pvebot-am-"));
  const port = await freePort();
  const auth = options.bearer
    ? `\n      http_config:\n        authorization:\n          credentials: ${JSON.stringify(options.bearer)}`
    : "";
  writeFileSync(
    join(dir, "alertmanager.yml"),
    `route:
  receiver: chatops
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
receivers:
  - name: chatops
    webhook_configs:
    - url: ${JSON.stringify(options.webhookUrl)}
      send_resolved: true${auth}
`,
  );
  const child: ChildProcess = spawn(
    ALERTMANAGER_BIN,
    [
      `--config.file=${join(dir, "alertmanager.yml")}`,
      `--storage.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--cluster.listen-address=",
      "--log.level=warn",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return { url, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`Alertmanager did not become ready on ${url}: ${stderr}`);
}
