import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { qcow2Image, rawImage } from "../../src/sim/mirror/images.js";
import { digestOf } from "../../src/sim/mirror/render.js";
import { type PveSimulator, startPveSimulator } from "../../src/sim/pve/index.js";
import { call, documentedAuth, waitTask } from "./client.js";

const GIB = 1024 ** 3;
const FILES: Record<string, Buffer> = {
  "/noble.qcow2": qcow2Image({ virtualSize: 3.5 * GIB, note: "noble" }),
  "/layered.qcow2": qcow2Image({ virtualSize: 2 * GIB, note: "layered", backingFile: "base.qcow2" }),
  "/disk.raw": rawImage("raw disk"),
};

describe("download-url and disks as PVE handles them", () => {
  let sim: PveSimulator;
  let files: Server;
  let base = "";
  let bot: { auth: string };
  beforeAll(async () => {
    sim = await startPveSimulator({ tls: false, defaultTaskDurationMs: 10 });
    bot = { auth: documentedAuth(sim) };
    files = createServer((req, res) => {
      const body = FILES[req.url ?? ""];
      res.statusCode = body ? 200 : 404;
      res.end(body ?? "not found\n");
    });
    await new Promise<void>((resolve) => files.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => files.close(() => resolve()));
    await sim.close();
  });

  const download = async (file: string, filename: string, checksum?: string) => {
    const res = await call(
      sim,
      "POST",
      "/nodes/pve1/storage/local/download-url",
      {
        url: `${base}${file}`,
        filename,
        content: "import",
        ...(checksum ? { checksum, "checksum-algorithm": "sha256" } : {}),
      },
      bot,
    );
    expect(res.status).toBe(200);
    const end = await waitTask(sim, res.json.data);
    const log = await call(sim, "GET", `/nodes/pve1/tasks/${res.json.data}/log`, { limit: 50 }, bot);
    return {
      upid: res.json.data as string,
      exitstatus: end.exitstatus,
      log: log.json.data.map((l: { t: string }) => l.t),
    };
  };
  const imported = () =>
    sim.state.volumes.filter((v) => v.content === "import" && v.storage === "local").map((v) => v.volid);

  it("fetches the file, verifies its checksum, and normalises the name", async () => {
    const sum = digestOf("sha256", FILES["/noble.qcow2"]!);
    const ok = await download("/noble.qcow2", "noble cloud+img.qcow2", sum);
    expect(ok.exitstatus).toBe("OK");
    expect(ok.upid).toContain(":download:noble_cloud_img.qcow2:");
    expect(ok.log).toContain("OK, checksum verified");
    const volume = sim.state.volumes.find((v) => v.volid === "local:import/noble_cloud_img.qcow2");
    expect(volume).toMatchObject({ format: "qcow2", size: 256 * 1024, virtualSize: 3.5 * GIB });
    const again = await download("/noble.qcow2", "noble cloud+img.qcow2", sum);
    expect(again.log).toContain("OK, got correct file already, no need to download");
  });

  it("fails the task on a checksum mismatch and leaves nothing", async () => {
    const before = imported();
    const wrong = "0".repeat(64);
    const bad = await download("/noble.qcow2", "mismatch.qcow2", wrong);
    expect(bad.exitstatus).toBe(
      `checksum mismatch: got '${digestOf("sha256", FILES["/noble.qcow2"]!)}' != expect '${wrong}'`,
    );
    expect(imported()).toEqual(before);
  });

  it("runs qemu-img with the format the extension names: other content and backing files fail", async () => {
    const before = imported();
    const raw = await download("/disk.raw", "disk.qcow2");
    expect(raw.exitstatus).toMatch(
      /^failed to verify file: qemu-img: Could not open '\/var\/lib\/vz\/import\/disk\.qcow2\.tmp_dwnl\.\d+': Image is not in qcow2 format$/,
    );
    const vmdk = await download("/noble.qcow2", "noble.vmdk");
    expect(vmdk.exitstatus).toMatch(/invalid VMDK image descriptor$/);
    const layered = await download("/layered.qcow2", "layered.qcow2");
    expect(layered.exitstatus).toMatch(
      /^failed to verify file: backing file not allowed for untrusted image '\/var\/lib\/vz\/import\/layered\.qcow2\.tmp_dwnl\.\d+'!$/,
    );
    const missing = await download("/gone.qcow2", "gone.qcow2");
    expect(missing.exitstatus).toMatch(
      /^download failed: command 'wget .*\/gone\.qcow2' failed: exit code 8$/,
    );
    expect(imported()).toEqual(before);
    const ext = await call(
      sim,
      "POST",
      "/nodes/pve1/storage/local/download-url",
      { url: `${base}/noble.qcow2`, filename: "noble.img", content: "import" },
      bot,
    );
    expect(ext.json.errors).toEqual({ filename: "invalid filename or wrong extension" });
  });

  it("imports a disk with the image's virtual size; a raw file's size is its length", async () => {
    expect((await download("/disk.raw", "disk.raw")).exitstatus).toBe("OK");
    const create = await call(
      sim,
      "POST",
      "/nodes/pve1/qemu",
      {
        vmid: 7300,
        pool: "chatops",
        scsi0: "local-lvm:0,import-from=local:import/noble_cloud_img.qcow2",
        scsi1: "local-lvm:0,import-from=local:import/disk.raw",
      },
      bot,
    );
    expect((await waitTask(sim, create.json.data)).exitstatus).toBe("OK");
    const config = (await call(sim, "GET", "/nodes/pve1/qemu/7300/config", {}, bot)).json.data;
    expect(config.scsi0).toBe("local-lvm:vm-7300-disk-0,size=3584M");
    expect(config.scsi1).toBe("local-lvm:vm-7300-disk-1,size=64K");
  });

  it("resizes in a task: shrinking fails as TASK ERROR, the same size changes nothing", async () => {
    const resize = (size: string) =>
      call(sim, "PUT", "/nodes/pve1/qemu/7300/resize", { disk: "scsi0", size }, bot);
    const shrink = await resize("2G");
    expect(shrink.status).toBe(200);
    expect(shrink.json.data).toMatch(/:resize:7300:chatops@pve!bot:$/);
    expect((await waitTask(sim, shrink.json.data)).exitstatus).toBe("shrinking disks is not supported");
    const same = await resize("3584M");
    expect((await waitTask(sim, same.json.data)).exitstatus).toBe("OK");
    expect(sim.state.vms.get(7300)?.config["scsi0"]).toBe("local-lvm:vm-7300-disk-0,size=3584M");
    const grow = await resize("8G");
    expect((await waitTask(sim, grow.json.data)).exitstatus).toBe("OK");
    expect(sim.state.vms.get(7300)?.config["scsi0"]).toBe("local-lvm:vm-7300-disk-0,size=8G");
    sim.state.vms.get(7300)!.config["lock"] = "backup";
    const locked = await resize("9G");
    expect((await waitTask(sim, locked.json.data)).exitstatus).toBe("VM is locked (backup)");
    delete sim.state.vms.get(7300)!.config["lock"];
    const noDisk = await call(sim, "PUT", "/nodes/pve1/qemu/7300/resize", { disk: "scsi5", size: "1G" }, bot);
    expect((await waitTask(sim, noDisk.json.data)).exitstatus).toBe("disk 'scsi5' does not exist");
  });
});

describe("sshkeys and names as qemu-server checks them", () => {
  let sim: PveSimulator;
  beforeAll(async () => {
    sim = await startPveSimulator({ tls: false });
  });
  afterAll(() => sim.close());
  const ED25519 =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ops@example";

  const create = (params: Record<string, unknown>) =>
    call(
      sim,
      "POST",
      "/nodes/pve1/qemu",
      { vmid: 7400, pool: "chatops", ...params },
      { auth: documentedAuth(sim) },
    );

  it("parses each key's blob as ssh-keygen -l would", async () => {
    const corrupt = ED25519.replace("AAAAIOMq", "AAAAIOMx").replace("GKJl", "GKJ");
    const wrongType = `ssh-rsa ${ED25519.split(" ")[1]} ops@example`;
    const shortBlob = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAEOMqqnkVzrm0SdG6UOoqKLs= short";
    for (const bad of [corrupt, wrongType, shortBlob, "# just a comment", "ssh-ed25519 !!!!"]) {
      const res = await create({ sshkeys: encodeURIComponent(`${bad}\n`) });
      expect([bad, res.status, res.statusText]).toEqual([bad, 500, "SSH public key validation error"]);
    }
    const good = await create({ sshkeys: encodeURIComponent(`${ED25519}\n\n`) });
    expect(good.status).toBe(200);
  });

  it("refuses names that are not DNS names", async () => {
    for (const name of ["a..b", "a.-b", "-a", "a_b"]) {
      const res = await create({ vmid: 7401, name });
      expect([name, res.status, res.json.errors]).toEqual([
        name,
        400,
        { name: "invalid format - value does not look like a valid DNS name\n" },
      ]);
    }
  });
});
