import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PveSimulator, startPveSimulator } from "../../src/sim/pve/index.js";
import { call, waitTask } from "./client.js";

async function exec(sim: PveSimulator, node: string, vmid: number, command: string[]) {
  const started = await call(sim, "POST", `/nodes/${node}/qemu/${vmid}/agent/exec`, { command });
  if (started.status !== 200) return { status: started.status, message: started.statusText } as const;
  for (;;) {
    const st = await call(sim, "GET", `/nodes/${node}/qemu/${vmid}/agent/exec-status`, {
      pid: started.json.data.pid,
    });
    if (st.json.data.exited === 1)
      return { status: 200, pid: started.json.data.pid as number, ...st.json.data };
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("guest agent and snapshots", () => {
  let sim: PveSimulator;
  beforeAll(async () => {
    sim = await startPveSimulator({
      tls: false,
      defaultTaskDurationMs: 10,
      execDurationMs: 15,
    });
  });
  afterAll(() => sim.close());

  it("reports OS info and interfaces, and refuses when the agent is unavailable", async () => {
    const info = await call(sim, "GET", "/nodes/pve1/qemu/101/agent/get-osinfo");
    expect(info.json.data.result).toMatchObject({ id: "rocky", "version-id": "9.6" });
    const ifaces = await call(sim, "GET", "/nodes/pve1/qemu/100/agent/network-get-interfaces");
    expect(ifaces.json.data.result[1]["ip-addresses"][0]["ip-address"]).toBe("10.20.0.100");
    const stopped = await call(sim, "POST", "/nodes/pve2/qemu/102/agent/ping");
    expect([stopped.status, stopped.statusText]).toEqual([500, "VM 102 is not running"]);
    sim.state.vms.get(104)!.config["agent"] = "enabled=0";
    const off = await call(sim, "POST", "/nodes/pve2/qemu/104/agent/ping");
    delete sim.state.vms.get(104)!.config["agent"];
    const none = await call(sim, "POST", "/nodes/pve2/qemu/104/agent/ping");
    sim.state.vms.get(104)!.config["agent"] = "enabled=1";
    expect(off.statusText).toBe("QEMU guest agent is not running");
    expect(none.statusText).toBe("No QEMU guest agent configured");
    const wrongMethod = await call(sim, "POST", "/nodes/pve1/qemu/100/agent/get-osinfo");
    expect(wrongMethod.status).toBe(501);
  });

  it("keeps the agent silent until it has booted after a start", async () => {
    // The test owns the simulator's clock and steps it across the boot delay instead of sleeping.
    let now = Date.now();
    const slow = await startPveSimulator({
      tls: false,
      defaultTaskDurationMs: 5,
      agentStartDelayMs: 300,
      clock: () => now,
    });
    try {
      const start = await call(slow, "POST", "/nodes/pve2/qemu/102/status/start");
      expect((await waitTask(slow, start.json.data)).exitstatus).toBe("OK");
      const early = await call(slow, "POST", "/nodes/pve2/qemu/102/agent/ping");
      expect([early.status, early.statusText]).toEqual([500, "QEMU guest agent is not running"]);
      now += 299;
      expect((await call(slow, "POST", "/nodes/pve2/qemu/102/agent/ping")).status).toBe(500);
      now += 1;
      expect((await call(slow, "POST", "/nodes/pve2/qemu/102/agent/ping")).status).toBe(200);
    } finally {
      await slow.close();
    }
  });

  it("exec-status answers exited:0 first, then the output once, then forgets the pid", async () => {
    let now = Date.now();
    const slow = await startPveSimulator({ tls: false, execDurationMs: 250, clock: () => now });
    try {
      await execLifecycle(slow, (ms) => {
        now += ms;
      });
    } finally {
      await slow.close();
    }
  });

  async function execLifecycle(sim: PveSimulator, advance: (ms: number) => void) {
    const started = await call(sim, "POST", "/nodes/pve1/qemu/100/agent/exec", { command: ["uname", "-r"] });
    const pid = started.json.data.pid;
    const early = await call(sim, "GET", "/nodes/pve1/qemu/100/agent/exec-status", { pid });
    expect(early.json.data).toEqual({ exited: 0 });
    advance(249);
    const stillRunning = await call(sim, "GET", "/nodes/pve1/qemu/100/agent/exec-status", { pid });
    expect(stillRunning.json.data).toEqual({ exited: 0 });
    advance(1);
    const done = await call(sim, "GET", "/nodes/pve1/qemu/100/agent/exec-status", { pid });
    expect(done.json.data).toEqual({ exited: 1, exitcode: 0, "out-data": "6.8.0-86-generic\n" });
    const again = await call(sim, "GET", "/nodes/pve1/qemu/100/agent/exec-status", { pid });
    expect([again.status, again.statusText]).toEqual([500, "Agent error: Invalid parameter 'pid'"]);
    const missing = await call(sim, "POST", "/nodes/pve1/qemu/100/agent/exec", { command: ["nosuchprog"] });
    expect(missing.statusText).toMatch(
      /^Agent error: Guest agent command failed, error was 'Failed to execute child process/,
    );
  }

  it("simulates apt, dnf, zypper and apk upgrades deterministically", async () => {
    const apt = await exec(sim, "pve1", 100, [
      "/bin/sh",
      "-c",
      "DEBIAN_FRONTEND=noninteractive apt-get update && apt-get -y upgrade",
    ]);
    expect(apt.exitcode).toBe(0);
    expect(apt["out-data"]).toContain("3 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.");
    expect(apt["out-data"]).toContain("Setting up openssl (3.0.13-0ubuntu3.5) ...");
    const aptAgain = await exec(sim, "pve1", 100, ["apt-get", "-y", "upgrade"]);
    expect(aptAgain["out-data"]).toContain("0 upgraded");
    const dnfCheck = await exec(sim, "pve1", 101, ["dnf", "check-update"]);
    expect(dnfCheck.exitcode).toBe(100);
    const dnf = await exec(sim, "pve1", 101, ["/bin/sh", "-c", "dnf -y upgrade; needs-restarting -r"]);
    expect(dnf["out-data"]).toContain("Upgraded:\n  kernel-5.14.0-570.12.1.el9_6.x86_64\n");
    expect(dnf.exitcode).toBe(1);
    const zypper = await exec(sim, "pve2", 104, ["zypper", "--non-interactive", "update"]);
    expect([zypper.exitcode, zypper["out-data"]]).toEqual([
      0,
      "The following 1 package is going to be upgraded:\n  postfix\n(1/1) Installing: postfix-3.8.4-150600.3.11.1.x86_64 ...[done]\n",
    ]);
    const apk = await exec(sim, "pve3", 103, ["sh", "-c", "apk update >/dev/null && apk upgrade"]);
    expect(apk["out-data"]).toBe(
      "(1/1) Upgrading busybox (1.37.0-r12 -> 1.37.0-r13)\nOK: 9 MiB in 3 packages\n",
    );
    const wrongPm = await exec(sim, "pve3", 103, ["sh", "-c", "apt-get -y upgrade"]);
    expect([wrongPm.exitcode, wrongPm["err-data"]]).toEqual([127, "sh: 1: apt-get: not found\n"]);
    const noYes = await exec(sim, "pve2", 104, ["sh", "-c", "zypper update || echo refused"]);
    expect(noYes["out-data"]).toContain("Nothing to do.");
  });

  it("snapshot, update, rollback restores packages; delete and locks behave like PVE", async () => {
    sim.state.vms.get(101)!.guest.packages.push({ name: "broken", version: "1.0", available: "2.0" });
    // Held until the checks of the snapshot in progress are done, however slow the machine.
    const releaseSnapshots = sim.holdTasks("qmsnapshot");
    const snap = await call(sim, "POST", "/nodes/pve1/qemu/101/snapshot", {
      snapname: "pre-update",
      description: "bot",
    });
    const during = await call(sim, "GET", "/nodes/pve1/qemu/101/config");
    expect(during.json.data.lock).toBe("snapshot");
    const blocked = await call(sim, "PUT", "/nodes/pve1/qemu/101/config", { description: "x" });
    expect(blocked.statusText).toBe("VM is locked (snapshot)");
    const concurrent = await call(sim, "POST", "/nodes/pve1/qemu/101/snapshot", { snapname: "other" });
    expect((await waitTask(sim, concurrent.json.data)).exitstatus).toBe("VM is locked (snapshot)");
    releaseSnapshots();
    expect((await waitTask(sim, snap.json.data)).exitstatus).toBe("OK");
    const list = (await call(sim, "GET", "/nodes/pve1/qemu/101/snapshot")).json.data;
    expect(list.map((s: { name: string }) => s.name)).toEqual(["pre-upgrade", "pre-update", "current"]);
    expect(list.at(-1)).toMatchObject({
      name: "current",
      description: "You are here!",
      parent: "pre-update",
      running: 1,
    });
    const dup = await call(sim, "POST", "/nodes/pve1/qemu/101/snapshot", { snapname: "pre-update" });
    expect((await waitTask(sim, dup.json.data)).exitstatus).toBe("snapshot name 'pre-update' already used");
    const reserved = await call(sim, "POST", "/nodes/pve1/qemu/101/snapshot", { snapname: "current" });
    expect(reserved.status).toBe(500);

    await exec(sim, "pve1", 101, ["dnf", "-y", "upgrade"]);
    expect(sim.state.vms.get(101)!.guest.packages.find((p) => p.name === "broken")!.version).toBe("2.0");
    const rb = await call(sim, "POST", "/nodes/pve1/qemu/101/snapshot/pre-update/rollback", { start: 1 });
    expect((await waitTask(sim, rb.json.data)).exitstatus).toBe("OK");
    const vm = sim.state.vms.get(101)!;
    expect(vm.guest.packages.find((p) => p.name === "broken")!.version).toBe("1.0");
    expect(vm.status).toBe("running");
    const missing = await call(sim, "POST", "/nodes/pve1/qemu/101/snapshot/nosuch/rollback");
    expect((await waitTask(sim, missing.json.data)).exitstatus).toBe("snapshot 'nosuch' does not exist");
    const del = await call(sim, "DELETE", "/nodes/pve1/qemu/101/snapshot/pre-update");
    expect((await waitTask(sim, del.json.data)).exitstatus).toBe("OK");
    expect((await call(sim, "GET", "/nodes/pve1/qemu/101/config")).json.data.parent).toBe("pre-upgrade");

    const tmplSnap = await call(sim, "POST", "/nodes/pve1/qemu/9000/snapshot", { snapname: "nope" });
    expect((await waitTask(sim, tmplSnap.json.data)).exitstatus).toBe(
      "you can't take a snapshot if it's a template",
    );
    const running = await call(sim, "POST", "/nodes/pve1/qemu/100/template");
    expect(running.statusText).toBe("you can't convert a VM to template if VM is running");
    const withSnaps = await call(sim, "POST", "/nodes/pve1/qemu/101/template");
    expect(withSnaps.statusText).toBe("unable to create template, because VM contains snapshots");
    const stop = await call(sim, "POST", "/nodes/pve1/qemu/101/status/stop");
    await waitTask(sim, stop.json.data);
    const startTmpl = await call(sim, "POST", "/nodes/pve1/qemu/9000/status/start");
    expect((await waitTask(sim, startTmpl.json.data)).exitstatus).toBe(
      "you can't start a vm if it's a template",
    );
  });
});

describe("guests of VMs created from cloud images", () => {
  it("run the distribution named by the imported image", async () => {
    const sim = await startPveSimulator({ tls: false, defaultTaskDurationMs: 5, execDurationMs: 0 });
    try {
      const create = await call(sim, "POST", "/nodes/pve2/qemu", {
        vmid: 9300,
        scsi0: "local-lvm:0,import-from=nfs-shared:import/debian-12-genericcloud-amd64.qcow2",
        agent: 1,
        start: 1,
      });
      expect((await waitTask(sim, create.json.data)).exitstatus).toBe("OK");
      const os = await call(sim, "GET", "/nodes/pve2/qemu/9300/agent/get-osinfo");
      expect(os.json.data.result["pretty-name"]).toBe("Debian GNU/Linux 12 (bookworm)");
      const upgrade = await exec(sim, "pve2", 9300, ["apt-get", "-y", "dist-upgrade"]);
      expect(upgrade["out-data"]).toContain("1 upgraded, 0 newly installed");
    } finally {
      await sim.close();
    }
  });
});
