import { parseArgs } from "node:util";
import { startPveSimulator } from "./index.js";

/**
 * `npm run sim -- [--port N] [--http] [--pve 8.4|9.1] [--host H] [--task-ms N] [--nodes N --vms M
 * [--seed S]]`: the simulator alone, for demos; `--nodes/--vms` generate a cluster of that size.
 */
async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      http: { type: "boolean", default: false },
      pve: { type: "string", default: "9.1" },
      "task-ms": { type: "string" },
      nodes: { type: "string" },
      vms: { type: "string" },
      seed: { type: "string" },
    },
    strict: true,
  });
  const port = values.port === undefined ? 8006 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port: not a port number: ${values.port}`);
  if (values.pve !== "9.1" && values.pve !== "8.4")
    throw new Error(`--pve: expected 8.4 or 9.1, got ${values.pve}`);
  const taskMs = values["task-ms"] === undefined ? 1500 : Number(values["task-ms"]);
  if (!Number.isFinite(taskMs) || taskMs < 0)
    throw new Error(`--task-ms: not a duration: ${values["task-ms"]}`);
  const count = (flag: "nodes" | "vms" | "seed") => {
    const raw = values[flag];
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n))
      throw new Error(`--${flag}: not a whole number: ${raw}`);
    return n;
  };
  const sized = { nodes: count("nodes"), vms: count("vms"), seed: count("seed") };
  const sim = await startPveSimulator({
    ...Object.fromEntries(Object.entries(sized).filter(([, v]) => v !== undefined)),
    host: values.host ?? "127.0.0.1",
    port,
    tls: !values.http,
    pveVersion: values.pve,
    defaultTaskDurationMs: taskMs,
  });
  const lines = [
    `Proxmox VE ${sim.pveVersion} simulator listening`,
    `  url:         ${sim.url}/api2/json`,
    `  token id:    ${sim.tokenId}`,
    `  secret:      ${sim.tokenSecret}`,
    `  fingerprint: ${sim.fingerprint || "(plain HTTP)"}`,
    `  cluster:     ${sim.state.nodes.size} nodes, ${sim.state.vms.size} guests`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  if (sim.caPem) process.stdout.write(`\n${sim.caPem}`);
  const stop = () => {
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`pve simulator: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
});
