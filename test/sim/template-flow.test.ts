import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImageCatalog } from "../../src/services/templates/catalog/catalog.js";
import { type ChecksumMirror, startChecksumMirror } from "../../src/sim/mirror/checksum-mirror.js";
import { type PveSimulator, startPveSimulator } from "../../src/sim/pve/index.js";
import { type CallOptions, call, documentedAuth, waitTask } from "./client.js";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx6mXn7l3hV0n2vYbq9p1cFq3oQ6qk3cW4p8d5qz9bA ops@example";

describe("REST-only template build (distros NOTES §3.2) against the simulator", () => {
  let sim: PveSimulator;
  let mirror: ChecksumMirror;
  let bot: CallOptions;
  beforeAll(async () => {
    sim = await startPveSimulator({
      tls: false,
      defaultTaskDurationMs: 15,
    });
    mirror = await startChecksumMirror({ catalog: ImageCatalog.load() });
    // The whole flow runs with the token docs/PROXMOX.md sets up.
    bot = { auth: documentedAuth(sim) };
  });
  afterAll(async () => {
    await mirror.close();
    await sim.close();
  });

  it("downloads, imports, resizes, converts, clones, boots, pings and destroys", async () => {
    const origin = "https://cloud-images.ubuntu.com";
    const entry = ImageCatalog.load().get("ubuntu-24.04")!;
    const dl = await call(
      sim,
      "POST",
      "/nodes/pve1/storage/local/download-url",
      {
        url: entry.imageUrl.replace(origin, mirror.mirrors[origin]!),
        filename: "ubuntu-24.04 20260321.qcow2",
        content: "import",
        checksum: mirror.checksumFor("ubuntu-24.04"),
        "checksum-algorithm": "sha256",
      },
      bot,
    );
    expect(dl.status).toBe(200);
    expect(dl.json.data).toMatch(
      /^UPID:pve1:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:download:ubuntu-24\.04_20260321\.qcow2:chatops@pve!bot:$/,
    );
    expect((await waitTask(sim, dl.json.data)).exitstatus).toBe("OK");
    const content = await call(sim, "GET", "/nodes/pve1/storage/local/content", { content: "import" });
    const volid = "local:import/ubuntu-24.04_20260321.qcow2";
    expect(content.json.data.map((v: { volid: string }) => v.volid)).toContain(volid);

    const nextid = await call(sim, "GET", "/cluster/nextid");
    expect(nextid.json.data).toBe("105");
    // The create and the clone are held while their locks and scope are checked, whatever the load.
    const releaseCreate = sim.holdTasks("qmcreate");
    const create = await call(
      sim,
      "POST",
      "/nodes/pve1/qemu",
      {
        vmid: 9100,
        name: "tmpl-ubuntu-2404",
        memory: "2048",
        cores: 2,
        cpu: "x86-64-v2-AES",
        scsihw: "virtio-scsi-single",
        scsi0: `local-lvm:0,import-from=${volid},discard=on,iothread=1,ssd=1`,
        ide2: "local-lvm:cloudinit",
        boot: "order=scsi0",
        serial0: "socket",
        vga: "serial0",
        agent: "enabled=1,fstrim_cloned_disks=1",
        net0: "virtio,bridge=vmbr0",
        ipconfig0: "ip=dhcp",
        ciuser: "ops",
        sshkeys: encodeURIComponent(`${KEY}\n`),
        ciupgrade: 0,
        pool: "chatops",
        ostype: "l26",
      },
      bot,
    );
    expect(create.status).toBe(200);
    const during = await call(sim, "GET", "/nodes/pve1/qemu/9100/config");
    expect(during.json.data.lock).toBe("create");
    // Until the create task has added it to the pool, the new VM is outside the token's scope.
    const early = await call(sim, "GET", "/nodes/pve1/qemu/9100/config", {}, bot);
    expect(early.statusText).toBe("Permission check failed (/vms/9100, VM.Audit)");
    releaseCreate();
    expect((await waitTask(sim, create.json.data)).exitstatus).toBe("OK");
    expect(sim.state.vms.get(9100)?.pool).toBe("chatops");
    // The imported disk has the image's virtual size (3.5 GiB), read from the qcow2 header.
    expect((await call(sim, "GET", "/nodes/pve1/qemu/9100/config", {}, bot)).json.data.scsi0).toContain(
      "size=3584M",
    );
    const tags = await call(sim, "PUT", "/nodes/pve1/qemu/9100/config", { tags: "tmpl;ubuntu;24-04" }, bot);
    expect(tags.status).toBe(200);
    const log = await call(sim, "GET", `/nodes/pve1/tasks/${create.json.data}/log`, { start: 0, limit: 500 });
    expect(log.json.total).toBe(log.json.data.length);
    expect(log.json.data.at(-1)).toEqual({ n: log.json.total, t: "TASK OK" });
    expect(log.json.data.map((l: { t: string }) => l.t).join("\n")).toContain(
      `importing disk '${volid}' to VM 9100`,
    );

    const resize = await call(
      sim,
      "PUT",
      "/nodes/pve1/qemu/9100/resize",
      { disk: "scsi0", size: "+2G" },
      bot,
    );
    expect((await waitTask(sim, resize.json.data)).exitstatus).toBe("OK");
    const tmpl = await call(sim, "POST", "/nodes/pve1/qemu/9100/template", {}, bot);
    expect((await waitTask(sim, tmpl.json.data)).exitstatus).toBe("OK");
    const cfg = (await call(sim, "GET", "/nodes/pve1/qemu/9100/config", {}, bot)).json.data;
    expect(cfg.template).toBe(1);
    expect(cfg.tags).toBe("tmpl;ubuntu;24-04");
    expect(cfg.scsi0).toBe("local-lvm:base-9100-disk-0,discard=on,iothread=1,size=5632M,ssd=1");
    expect(cfg.sshkeys).toBe(encodeURIComponent(`${KEY}\n`));
    expect(cfg.ide2).toBe("local-lvm:vm-9100-cloudinit,media=cdrom");
    expect(cfg.net0).toMatch(/^virtio=BC:24:11:[0-9A-F:]{8},bridge=vmbr0$/);

    const releaseClone = sim.holdTasks("qmclone");
    const clone = await call(
      sim,
      "POST",
      "/nodes/pve1/qemu/9100/clone",
      { newid: 9101, name: "smoke-9101", full: 0, pool: "chatops" },
      bot,
    );
    expect(clone.json.data).toContain(":qmclone:9100:");
    const cloneCfg = await call(sim, "GET", "/nodes/pve1/qemu/9101/config");
    expect(cloneCfg.json.data.lock).toBe("clone");
    const lockedStart = await call(sim, "POST", "/nodes/pve1/qemu/9101/status/start");
    expect((await waitTask(sim, lockedStart.json.data)).exitstatus).toBe("VM is locked (clone)");
    releaseClone();
    expect((await waitTask(sim, clone.json.data)).exitstatus).toBe("OK");
    const cloned = (await call(sim, "GET", "/nodes/pve1/qemu/9101/config")).json.data;
    expect(cloned.scsi0).toMatch(/^local-lvm:base-9100-disk-0\/vm-9101-disk-0,/);
    expect(cloned.lock).toBeUndefined();

    const start = await call(sim, "POST", "/nodes/pve1/qemu/9101/status/start");
    expect((await waitTask(sim, start.json.data)).exitstatus).toBe("OK");
    const ping = await call(sim, "POST", "/nodes/pve1/qemu/9101/agent/ping");
    expect(ping.json.data).toEqual({ result: {} });
    const os = await call(sim, "GET", "/nodes/pve1/qemu/9101/agent/get-osinfo");
    expect(os.json.data.result.id).toBe("ubuntu");
    const busyDestroy = await call(sim, "DELETE", "/nodes/pve1/qemu/9101", { purge: 1 });
    expect(busyDestroy.statusText).toBe("VM 9101 is running - destroy failed");
    const templateDestroy = await call(sim, "DELETE", "/nodes/pve1/qemu/9100");
    expect((await waitTask(sim, templateDestroy.json.data)).exitstatus).toBe(
      "base volume 'local-lvm:base-9100-disk-0' is still in use by linked clones",
    );
    const stop = await call(sim, "POST", "/nodes/pve1/qemu/9101/status/stop");
    expect((await waitTask(sim, stop.json.data)).exitstatus).toBe("OK");
    const destroy = await call(sim, "DELETE", "/nodes/pve1/qemu/9101", {
      purge: 1,
      "destroy-unreferenced-disks": 1,
    });
    expect((await waitTask(sim, destroy.json.data)).exitstatus).toBe("OK");
    expect(sim.state.vms.has(9101)).toBe(false);
    expect(sim.state.volumes.some((v) => v.vmid === 9101)).toBe(false);
    expect(sim.requests.count("POST", "/nodes/pve1/qemu")).toBe(1);
  });

  it("applies download-url and import-from rules the schema cannot express", async () => {
    const wrongExt = await call(sim, "POST", "/nodes/pve1/storage/local/download-url", {
      url: "https://example.com/a.img",
      filename: "a.img",
      content: "import",
    });
    expect([wrongExt.status, wrongExt.json.errors]).toEqual([
      400,
      { filename: "invalid filename or wrong extension" },
    ]);
    const noImport = await call(sim, "POST", "/nodes/pve1/storage/local-lvm/download-url", {
      url: "https://example.com/a.qcow2",
      filename: "a.qcow2",
      content: "import",
    });
    expect(noImport.statusText).toBe("can't upload to storage type 'lvmthin', not a file based storage!");
    sim.state.storages.get("local")!.content = ["iso", "vztmpl"];
    const disabled = await call(sim, "POST", "/nodes/pve1/storage/local/download-url", {
      url: "https://example.com/a.qcow2",
      filename: "a.qcow2",
      content: "import",
    });
    sim.state.storages.get("local")!.content = ["iso", "vztmpl", "backup", "import", "snippets"];
    expect(disabled.json.message).toBe("storage 'local' is not configured for content-type 'import'\n");
    const existing = await call(sim, "POST", "/nodes/pve1/storage/local/download-url", {
      url: "https://example.com/u.qcow2",
      filename: "ubuntu-24.04-server-cloudimg-amd64.qcow2",
      content: "import",
    });
    expect((await waitTask(sim, existing.json.data)).exitstatus).toMatch(
      /^refusing to override existing file/,
    );

    const syntax = await call(sim, "POST", "/nodes/pve1/qemu", {
      vmid: 9200,
      scsi0: "local-lvm:8,import-from=local:import/ubuntu-24.04-server-cloudimg-amd64.qcow2",
    });
    expect(syntax.json.errors).toEqual({
      scsi0: "'import-from' requires special syntax - use <storage ID>:0,import-from=<source>",
    });
    const iso = await call(sim, "POST", "/nodes/pve1/qemu", {
      vmid: 9200,
      scsi0: "local-lvm:0,import-from=local:iso/debian-12.11.0-amd64-netinst.iso",
    });
    expect(iso.json.errors).toEqual({
      scsi0:
        "local:iso/debian-12.11.0-amd64-netinst.iso has wrong type 'iso' - needs to be 'images' or 'import'",
    });
    const isoDisk = await call(sim, "POST", "/nodes/pve1/qemu", {
      vmid: 9200,
      ide2: "local:iso/debian-12.11.0-amd64-netinst.iso",
    });
    expect(isoDisk.json.errors).toEqual({ ide2: "explicit 'media=cdrom' is required for iso images" });
    const noImages = await call(sim, "POST", "/nodes/pve1/qemu", { vmid: 9200, scsi0: "local:8" });
    expect(noImages.json.errors).toEqual({ storage: "storage 'local' does not support vm images" });
    const badKey = await call(sim, "POST", "/nodes/pve1/qemu", {
      vmid: 9200,
      sshkeys: encodeURIComponent("/root/.ssh/id.pub"),
    });
    expect(badKey.statusText).toBe("SSH public key validation error");
    expect(sim.state.vms.has(9200)).toBe(false);
  });
});
