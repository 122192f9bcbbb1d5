/**
 * The official PVE schema check for unit tests that use a fake server: a simulator instance (plain
 * HTTP, never contacted) lends its validator, which reads Proxmox's own apidata.
 */
import { afterAll, beforeAll } from "vitest";
import { type PveSimulator, startPveSimulator } from "../../../src/sim/pve/index.js";
import type { SchemaCheck } from "./fake-pve.js";

/** Call at the top of a test file; the returned check is ready inside tests. */
export function useOfficialSchema(): SchemaCheck {
  let sim: PveSimulator | undefined;
  beforeAll(async () => {
    sim = await startPveSimulator({ tls: false });
  });
  afterAll(async () => {
    await sim?.close();
  });
  return (method, path, params) => {
    if (!sim) throw new Error("official schema not loaded yet");
    return sim.validate(method, path, params);
  };
}
