import { describe, expect, it } from "vitest";
import { isPublicSshKey, REDACTED, sanitizeArgs } from "../../src/services/audit/sanitize.js";

const PUBLIC = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ops@example";
const PRIVATE =
  "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----";

describe("sanitizeArgs", () => {
  it("removes values under secret-like keys at any depth and leaves the rest", () => {
    const input = {
      vmid: 9000,
      cipassword: "hunter2",
      apiToken: "abc",
      tokenSecret: "uuid",
      client_secret: "s",
      pass: "p",
      nested: { db: { password: "pw", host: "db1" }, list: [{ accessKey: "k", name: "n" }] },
      node: "pve1",
    };
    expect(sanitizeArgs(input)).toEqual({
      vmid: 9000,
      cipassword: REDACTED,
      apiToken: REDACTED,
      tokenSecret: REDACTED,
      client_secret: REDACTED,
      pass: REDACTED,
      nested: { db: { password: REDACTED, host: "db1" }, list: [{ accessKey: REDACTED, name: "n" }] },
      node: "pve1",
    });
    expect(input.cipassword).toBe("hunter2");
  });

  it("keeps public SSH keys and removes private or unrecognised ones", () => {
    expect(sanitizeArgs({ sshKeys: `${PUBLIC}\n${PUBLIC}` })).toEqual({ sshKeys: `${PUBLIC}\n${PUBLIC}` });
    expect(sanitizeArgs({ sshKey: [PUBLIC, PRIVATE] })).toEqual({ sshKey: [PUBLIC, REDACTED] });
    expect(sanitizeArgs({ ssh_key: "not a key" })).toEqual({ ssh_key: REDACTED });
    expect(sanitizeArgs({ privateKey: PUBLIC })).toEqual({ privateKey: REDACTED });
  });

  it("removes private keys, PVE tokens and bearer credentials under any key", () => {
    expect(
      sanitizeArgs({
        note: PRIVATE,
        header: "PVEAPIToken=root@pam!bot=0b8c9b7e-0000-4000-8000-000000000000",
        auth: "Bearer eyJhbGciOi",
        text: "bear with me",
      }),
    ).toEqual({ note: REDACTED, header: REDACTED, auth: REDACTED, text: "bear with me" });
  });

  it("recognises OpenSSH public key lines only", () => {
    expect(isPublicSshKey(PUBLIC)).toBe(true);
    expect(isPublicSshKey("ecdsa-sha2-nistp256 AAAAE2VjZHNh")).toBe(true);
    expect(isPublicSshKey("")).toBe(false);
    expect(isPublicSshKey(`${PUBLIC}\nrm -rf /`)).toBe(false);
  });
});
