/**
 * The simulator's default cluster with `extra` more VMs (`load-001` …) spread over its nodes in the bot's pool, so
 * autocomplete meets more values than Discord's 25 choices.
 */
import { type ClusterFixture, defaultFixture } from "../../src/sim/pve/state/fixture.js";

export function fixtureWithVms(extra: number): ClusterFixture {
  const fixture = defaultFixture();
  const nodes = fixture.nodes.map((n) => n.node);
  const template = fixture.vms.find((v) => !("template" in v.config) || Number(v.config.template) !== 1)!;
  for (let i = 1; i <= extra; i++) {
    const vmid = 2000 + i;
    fixture.vms.push({
      ...structuredClone(template),
      vmid,
      node: nodes[i % nodes.length]!,
      status: i % 3 === 0 ? "stopped" : "running",
      // The bot's token sees its own pool only (docs/PROXMOX.md).
      pool: "chatops",
      config: { ...structuredClone(template.config), name: `load-${String(i).padStart(3, "0")}` },
    });
  }
  return fixture;
}
