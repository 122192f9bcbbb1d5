/** `update.apply` end to end: a real queue and worker, the simulator's guests, the summary message. */
import { createServer as createHttpServer } from "node:http";
import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { TargetVm } from "../../src/services/updates/targets.js";
import { alice } from "../jobs/harness.js";
import { type ApplyHarness, applyHarness } from "./apply-harness.js";
import { addGuest, type GuestSpec, startUpdateSim, type UpdateSim } from "./helpers.js";

let u: UpdateSim | undefined;
let a: ApplyHarness | undefined;
let server: Server | undefined;
let closeHttp: (() => Promise<void>) | undefined;
afterEach(async () => {
  await a?.close();
  u?.t.expectSchemaValid();
  await u?.close();
  server?.close();
  await closeHttp?.();
  closeHttp = undefined;
  a = undefined;
  u = undefined;
  server = undefined;
});

async function setup(
  guests: GuestSpec[],
  config: Parameters<typeof startUpdateSim>[0] = {},
  sim: Parameters<typeof startUpdateSim>[1] = {},
) {
  u = await startUpdateSim(config, sim);
  for (const g of guests) addGuest(u.t, g);
  a = applyHarness(u);
  a.h.startWorker({ concurrency: 1 });
  const vms: TargetVm[] = guests.map((g) => ({
    vmid: g.vmid,
    name: g.name ?? `guest${g.vmid}`,
    node: g.node ?? "pve1",
    tags: g.tags ?? [],
  }));
  return { u, a, vms };
}

const guest = (vmid: number) => u!.t.sim.state.vms.get(vmid)!;
const pendingOf = (vmid: number) =>
  guest(vmid)
    .guest.packages.filter((p) => p.available)
    .map((p) => p.name)
    .sort();
const statusOf = (reply: { table?: { rows: string[][] } }, vmid: number) =>
  reply.table!.rows.find((r) => r[0]!.startsWith(`${vmid} `))?.slice(2);

describe("update apply", () => {
  it("snapshots, upgrades, reboots when the guest asks and keeps the snapshot", async () => {
    const { a, vms } = await setup([
      {
        vmid: 500,
        packages: [
          { name: "linux-image-cloud-amd64", version: "6.1.0-37", available: "6.1.0-38", security: true },
          { name: "openssl", version: "3.0.16-1", available: "3.0.17-1", security: true },
        ],
      },
      { vmid: 501, os: "rocky", node: "pve2" },
    ]);
    const job = await a.start(vms);
    const info = await a.h.queue.waitUntilFinished(job.id, 30_000);
    expect(info?.state).toBe("completed");
    expect(pendingOf(500)).toEqual([]);
    expect(pendingOf(501)).toEqual([]);
    for (const vmid of [500, 501]) {
      const snaps = guest(vmid).snapshots;
      expect(snaps).toHaveLength(1);
      expect(snaps[0]!.name).toMatch(/^chatops-pre-\d{8}-\d{6}$/);
      expect(snaps[0]!.description).toMatch(/^chatops: before guest updates, job /);
      expect(snaps[0]!.vmstate).toBe(0);
      expect(guest(vmid).status).toBe("running");
    }
    // The kernel update asked for a reboot on 500 (apt's marker); the other guest did not need one.
    expect(u!.t.sim.requests.count("POST", "/nodes/pve1/qemu/500/status/reboot")).toBe(1);
    expect(u!.t.sim.requests.count("POST", "/nodes/pve2/qemu/501/status/reboot")).toBe(0);
    const summary = a.summary();
    expect(summary.tone).toBe("success");
    expect(statusOf(summary, 500)).toEqual([
      "updated",
      expect.stringMatching(/^2 updated, rebooted; snapshot chatops-pre-/),
    ]);
    expect(statusOf(summary, 501)![0]).toBe("updated");
  });

  it("rolls back by itself when the health check fails, and starts the VM again", async () => {
    const { a, vms } = await setup([{ vmid: 510 }]);
    guest(510).guest.upgradeDegrades = true;
    const job = await a.start(vms);
    const info = await a.h.queue.waitUntilFinished(job.id, 30_000);
    expect(info?.state).toBe("failed");
    expect(info?.error).toMatch(/halted/);
    // The rollback restored the package state and the VM runs again; the snapshot is still there.
    expect(pendingOf(510)).toEqual(["nginx", "openssl"]);
    expect(guest(510).status).toBe("running");
    expect(guest(510).guest.systemState ?? "running").toBe("running");
    expect(guest(510).snapshots).toHaveLength(1);
    const summary = a.summary();
    expect(statusOf(summary, 510)).toEqual([
      "ROLLED BACK",
      "health check: systemctl is-system-running: degraded; rolled back, running again",
    ]);
  });

  it("runs the per-tag TCP check from config and rolls back when the port is closed", async () => {
    server = createServer((s) => s.end());
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", () => r()));
    const open = (server.address() as { port: number }).port;
    const closed = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, "127.0.0.1", () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
    const { a, vms } = await setup(
      [
        { vmid: 520, tags: ["web"], ipv4: "127.0.0.1" },
        { vmid: 521, tags: ["db"], ipv4: "127.0.0.1" },
      ],
      { healthChecks: { web: [{ tcp: open }], db: [{ tcp: closed }] }, defaults: { tolerance: 5 } },
    );
    const job = await a.start(vms, { tolerance: 5 });
    await a.h.queue.waitUntilFinished(job.id, 30_000);
    const summary = a.summary();
    expect(statusOf(summary, 520)).toEqual(["updated", expect.any(String)]);
    expect(statusOf(summary, 521)).toEqual([
      "ROLLED BACK",
      expect.stringContaining(`TCP check 127.0.0.1:${closed} (tag db): ECONNREFUSED`),
    ]);
    expect(pendingOf(521)).toEqual(["nginx", "openssl"]);
  });

  it("runs the per-tag HTTP check against the VM's address and rolls back on a non-2xx answer", async () => {
    let healthy = true;
    const http = createHttpServer((_req, res) => {
      res.writeHead(healthy ? 200 : 503).end();
    });
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", () => r()));
    closeHttp = () => new Promise<void>((r) => http.close(() => r()));
    const port = (http.address() as { port: number }).port;
    const { a, vms } = await setup([{ vmid: 525, tags: ["api"], ipv4: "127.0.0.1" }], {
      healthChecks: { api: [{ http: `http://{ip}:${port}/healthz` }] },
    });
    healthy = false;
    const job = await a.start(vms);
    await a.h.queue.waitUntilFinished(job.id, 30_000);
    expect(statusOf(a.summary(), 525)).toEqual([
      "ROLLED BACK",
      `health check: HTTP check http://127.0.0.1:${port}/healthz (tag api): status 503; rolled back, running again`,
    ]);
  });

  it("rolls back a failed upgrade and reports the end of its output", async () => {
    const { a, vms } = await setup([
      {
        vmid: 515,
        packages: [
          { name: "nginx", version: "1.24.0-1", available: "1.24.0-2", breaks: true },
          { name: "openssl", version: "3.0.16-1", available: "3.0.17-1" },
        ],
      },
    ]);
    const job = await a.start(vms);
    await a.h.queue.waitUntilFinished(job.id, 30_000);
    const summary = a.summary();
    expect(statusOf(summary, 515)).toEqual([
      "ROLLED BACK",
      "upgrade: apt upgrade exited 100; rolled back, running again",
    ]);
    expect(summary.code).toContain("# 515 guest515: upgrade: apt upgrade exited 100");
    expect(summary.code).toContain("E: Sub-process /usr/bin/dpkg returned an error code (1)");
    // openssl was installed before dpkg failed; the rollback took it back too.
    expect(pendingOf(515)).toEqual(["nginx", "openssl"]);
  });

  it("keeps a failed VM as it is with --no-rollback", async () => {
    const { a, vms } = await setup([{ vmid: 530 }]);
    guest(530).guest.upgradeDegrades = true;
    const job = await a.start(vms, { noRollback: true });
    await a.h.queue.waitUntilFinished(job.id, 30_000);
    expect(pendingOf(530)).toEqual([]);
    expect(u!.t.sim.requests.count("POST", /\/snapshot\/.*\/rollback$/)).toBe(0);
    expect(statusOf(a.summary(), 530)).toEqual([
      "FAILED",
      expect.stringContaining("not rolled back (--no-rollback)"),
    ]);
  });

  it("halts the batches when a canary fails: the rest are not touched", async () => {
    const guests = [600, 601, 602, 603, 604].map((vmid) => ({ vmid }));
    const { a, vms } = await setup(guests);
    guest(600).guest.upgradeDegrades = true;
    const job = await a.start(vms, { canary: 1, batch: 2 });
    const info = await a.h.queue.waitUntilFinished(job.id, 30_000);
    expect(info?.state).toBe("failed");
    for (const vmid of [601, 602, 603, 604]) {
      expect(guest(vmid).snapshots).toEqual([]);
      expect(pendingOf(vmid)).toEqual(["nginx", "openssl"]);
      expect(statusOf(a.summary(), vmid)![0]).toBe("halted");
    }
    expect(a.summary().text).toMatch(/Halted: 1 failure \(tolerance 0\)/);
  });

  it("reports a failed rollback loudly, mentioning the requester, and halts", async () => {
    const { a, vms } = await setup([{ vmid: 540 }, { vmid: 541 }]);
    guest(540).guest.upgradeDegrades = true;
    u!.t.sim.faults.failNextTask({
      type: "qmrollback",
      vmid: 540,
      exitstatus: "rbd error: rbd: sysfs write failed",
    });
    const job = await a.start(vms, { batch: 1 });
    const info = await a.h.queue.waitUntilFinished(job.id, 30_000);
    expect(info?.state).toBe("failed");
    expect(info?.error).toMatch(/rollback failed/);
    const summary = a.summary();
    expect(summary.tone).toBe("danger");
    expect(summary.text).toContain(`‹@user:console:${alice.id}|${alice.name}›`);
    expect(statusOf(summary, 540)).toEqual([
      "ROLLBACK FAILED",
      expect.stringContaining("rbd: sysfs write failed"),
    ]);
    expect(statusOf(summary, 541)![0]).toBe("halted");
  });

  it("refuses a VM whose storage cannot snapshot, naming it, without changing it", async () => {
    const { a, vms } = await setup([{ vmid: 550, disk: "local:550/vm-550-disk-0.raw" }]);
    const job = await a.start(vms);
    await a.h.queue.waitUntilFinished(job.id, 30_000);
    expect(pendingOf(550)).toEqual(["nginx", "openssl"]);
    expect(statusOf(a.summary(), 550)).toEqual([
      "FAILED",
      "refused: storage local (dir, not qcow2) cannot take snapshots; the VM was not changed",
    ]);
  });

  it("stops between VMs on cancel and leaves no VM mid-update", async () => {
    const guests = [700, 701, 702, 703].map((vmid) => ({ vmid }));
    // Guest commands take long enough that the cancel is seen while the first VM is still upgrading.
    const { a, vms } = await setup(guests, {}, { execDurationMs: 300 });
    const job = await a.start(vms, { batch: 1 });
    // Cancel while the first VM is being upgraded.
    await expect
      .poll(() => u!.t.sim.requests.count("POST", "/nodes/pve1/qemu/700/agent/exec"), { timeout: 10_000 })
      .toBeGreaterThanOrEqual(2);
    expect(await a.h.queue.cancel(job.id, alice)).toBe("cancelled");
    const info = await a.h.queue.waitUntilFinished(job.id, 30_000);
    expect(info?.state).toBe("cancelled");
    const summary = a.summary();
    expect(statusOf(summary, 700)![0]).toBe("updated");
    expect(pendingOf(700)).toEqual([]);
    for (const vmid of [701, 702, 703]) {
      expect(statusOf(summary, vmid)![0]).toBe("cancelled");
      expect(guest(vmid).snapshots).toEqual([]);
    }
    expect(summary.text).toMatch(/Cancelled: no VM was left mid-update/);
  });
});
