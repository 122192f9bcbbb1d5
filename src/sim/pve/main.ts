import { parseArgs } from "node:util";
import { startPveSimulator } from "./index.js";

/** `npm run sim -- [--port N] [--http] [--pve 8.4|9.1] [--host H]`: the simulator alone, for demos. */
async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      http: { type: "boolean", default: false },
      pve: { type: "string", default: "9.1" },
      "task-ms": { type: "string" },
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
  const sim = await startPveSimulator({
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
