import { afterEach, describe, expect, it } from "vitest";
import { ProxmoxError } from "../../src/services/proxmox.js";
import { makeClient, TOKEN_SECRET } from "./helpers/client.js";
import { type FakeAnswer, type FakePve, startFakePve } from "./helpers/fake-pve.js";
import { useOfficialSchema } from "./helpers/schema.js";

const schema = useOfficialSchema();
let server: FakePve | undefined;
afterEach(async () => {
  // Every request the client sent must pass PVE's official schema.
  expect(server?.refused ?? []).toEqual([]);
  await server?.close();
  server = undefined;
});

async function failWith(
  answer: FakeAnswer,
  call: (c: ReturnType<typeof makeClient>["client"]) => Promise<unknown>,
) {
  server = await startFakePve(() => answer, undefined, schema);
  const t = makeClient(server.url, { getRetries: 0 });
  const err = await call(t.client).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProxmoxError);
  return { err: err as ProxmoxError, log: t.log };
}

describe("PVE error shapes become clear chat errors", () => {
  it("400 parameter errors list each field with PVE's words", async () => {
    const { err } = await failWith(
      {
        status: 400,
        message: "Parameter verification failed.\n",
        errors: {
          snapname: "invalid format - invalid configuration ID 'x'\n",
          vmstate: "type check ('boolean') failed",
        },
      },
      (c) => c.createSnapshot("pve", 100, { name: "pre" }),
    );
    expect(err.code).toBe("E_PVE");
    expect(err.status).toBe(400);
    expect(err.pveErrors.snapname).toBe("invalid format - invalid configuration ID 'x'");
    expect(err.message).toBe(
      "Proxmox rejected the request to snapshot VM 100 on pve as pre: Parameter verification failed " +
        "(snapname: invalid format - invalid configuration ID 'x'; vmstate: type check ('boolean') failed). " +
        "Check the values given.",
    );
  });

  it("403 carries PVE's permission message and says what to grant", async () => {
    const { err } = await failWith(
      { status: 403, message: "Permission check failed (/vms/100, VM.Audit)\n" },
      (c) => c.vmConfig("pve", 100),
    );
    expect(err.code).toBe("E_PVE_PERMISSION");
    expect(err.message).toContain("Proxmox denied permission to read the config of VM 100 on pve");
    expect(err.message).toContain("Permission check failed (/vms/100, VM.Audit).");
    expect(err.message).toMatch(/both the bot's user and its API token/);
  });

  it("401 with an empty body (bad or expired token) points at the token settings", async () => {
    const { err } = await failWith(
      { status: 401, reason: "Authentication failed!", raw: { body: "" } },
      (c) => c.nodes(),
    );
    expect(err.code).toBe("E_PVE_PERMISSION");
    expect(err.message).toContain("401 Authentication failed!");
    expect(err.message).toMatch(/proxmox\.tokenId/);
  });

  it("a lock is E_PVE_LOCKED, transient, with PVE's lock name", async () => {
    const { err } = await failWith({ status: 500, message: "VM is locked (backup)\n" }, (c) =>
      c.convertToTemplate("pve", 9000),
    );
    expect(err.code).toBe("E_PVE_LOCKED");
    expect(err.transient).toBe(true);
    expect(err.message).toMatch(
      /^Could not convert VM 9000 on pve to a template: VM is locked \(backup\)\. Another task/,
    );
  });

  it("a server before pve-http-server 5.2 (message only in the status line) still gives PVE's words", async () => {
    const { err } = await failWith(
      {
        status: 500,
        reason: "Configuration file 'nodes/pve/qemu-server/999.conf' does not exist",
        raw: { body: "" },
      },
      (c) => c.vmStatus("pve", 999),
    );
    expect(err.code).toBe("E_PVE");
    expect(err.message).toBe(
      "Proxmox could not read the status of VM 999 on pve: Configuration file 'nodes/pve/qemu-server/999.conf' does not exist.",
    );
  });

  it("596 from the proxying node means the target node is unreachable", async () => {
    const { err } = await failWith({ status: 596, message: "Connection timed out" }, (c) =>
      c.nodeStatus("pve2"),
    );
    expect(err.code).toBe("E_PVE_UNREACHABLE");
    expect(err.transient).toBe(true);
  });

  it("an answer that is not PVE JSON is reported as a wrong URL", async () => {
    const { err } = await failWith({ raw: { body: "<html>login</html>", contentType: "text/html" } }, (c) =>
      c.version(),
    );
    expect(err.code).toBe("E_PVE");
    expect(err.message).toMatch(/did not answer like a Proxmox VE API.*Check proxmox\.url/);
  });

  it("never puts the token secret in errors or logs", async () => {
    const { err, log } = await failWith(
      { status: 403, message: "Permission check failed (/, Sys.Audit)" },
      (c) => c.nodeStatus("pve"),
    );
    expect(err.message).not.toContain(TOKEN_SECRET);
    expect(JSON.stringify(err.cause)).not.toContain(TOKEN_SECRET);
    expect(String((err.cause as Error).message)).not.toContain(TOKEN_SECRET);
    expect(log.lines.length).toBeGreaterThan(0);
    expect(log.text()).not.toContain(TOKEN_SECRET);
  });
});
