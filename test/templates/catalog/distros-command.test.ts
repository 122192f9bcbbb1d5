import { describe, expect, it } from "vitest";
import { renderTable } from "../../../src/adapters/console/render.js";
import { parseArgs } from "../../../src/commands/args/parse.js";
import { describeArgs } from "../../../src/commands/args/schema-shape.js";
import { tokenize } from "../../../src/commands/args/tokenize.js";
import type { CommandContext, CommandServices } from "../../../src/commands/definition.js";
import { templateDistros } from "../../../src/commands/template-distros.js";
import { silentLog } from "../../../src/services/log.js";
import { ImageCatalog } from "../../../src/services/templates/catalog/catalog.js";
import type { Reply } from "../../../src/services/vocabulary/reply.js";

function context(catalog: ImageCatalog | undefined): CommandContext {
  return {
    actor: { platform: "console", id: "alice", name: "Alice", groups: [] },
    role: "viewer",
    conversation: { platform: "console", channelId: "console" },
    requestId: "req-1",
    clock: { now: () => 0 },
    log: silentLog,
    services: { imageCatalog: catalog } as unknown as CommandServices,
  };
}

/** Typed text → parsed args → run, as the dispatcher does; a parse refusal comes back as its message. */
async function run(
  text: string,
  catalog: ImageCatalog | null = ImageCatalog.load(),
): Promise<Reply | string> {
  const tokens = tokenize(text);
  if (!tokens.ok) return tokens.message;
  const parsed = parseArgs(templateDistros, tokens.tokens);
  if (!parsed.ok) return parsed.message;
  return templateDistros.run(context(catalog ?? undefined), parsed.args as never);
}

describe("template distros", () => {
  it("is a viewer command that changes nothing, with described arguments", () => {
    expect(templateDistros.name).toBe("template.distros");
    expect(templateDistros.permission).toBe("viewer");
    expect(templateDistros.destructive).toBe(false);
    for (const arg of describeArgs(templateDistros.args)) expect(arg.description ?? "").not.toBe("");
  });

  it("lists every image compactly, without cutting the bundled catalog", async () => {
    const reply = (await run("")) as Reply;
    expect(reply.title).toBe(`Cloud images (${ImageCatalog.load().all().length})`);
    expect(reply.table?.columns).toEqual(["key", "name", "version", "arch", "family", "login", "agent"]);
    expect(reply.table?.footer).toBeUndefined();
    expect(reply.table?.rows[0]).toEqual([
      "ubuntu-22.04",
      "Ubuntu 22.04 LTS (Jammy)",
      "22.04",
      "x86_64",
      "debian",
      "ubuntu",
      "cloud-init",
    ]);
    // Every image is in the reply; one page of 40 shows them all at once.
    expect(reply.table?.rows).toHaveLength(ImageCatalog.load().all().length);
    const lines = renderTable(((await run("--limit 40")) as Reply).table!);
    expect(lines.find((l) => l.startsWith("rocky-9 "))).toMatch(
      /^rocky-9\s+Rocky Linux 9\s+9\s+x86_64\s+rhel\s+rocky\s+preinstalled$/,
    );
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(115);
  });

  it("narrows by family, case-insensitively", async () => {
    const reply = (await run("--family RHEL")) as Reply;
    expect(reply.title).toMatch(/^Cloud images, family rhel \(\d+\)$/);
    expect(new Set(reply.table?.rows.map((r) => r[4]))).toEqual(new Set(["rhel"]));
    expect(reply.table?.rows.map((r) => r[0])).toContain("amazonlinux-2023");
  });

  it("an unknown family lists the families there are", async () => {
    await expect(run("--family bsd")).rejects.toMatchObject({
      code: "E_ARGS",
      message: "unknown family 'bsd'; families: debian, rhel, suse, arch, alpine",
    });
    expect(await run("--family '../x'")).toMatch(/--family: a family is a word such as debian or rhel/);
  });

  it("shows user images and their family", async () => {
    const catalog = ImageCatalog.load([
      {
        key: "acme-os-1",
        name: "Acme OS 1",
        version: "1",
        arch: "x86_64",
        imageUrl: "https://images.acme.test/acme-1.raw",
        checksum: { pinned: "ab".repeat(32), algorithm: "sha256" },
        format: "raw",
        family: "other",
        loginUser: "acme",
        guestAgent: "none",
        minCpu: "host",
      },
    ]);
    const reply = (await run("--family other", catalog)) as Reply;
    expect(reply.table?.rows).toEqual([["acme-os-1", "Acme OS 1", "1", "x86_64", "other", "acme", "none"]]);
  });

  it("answers E_CONFIG when the bot has no catalog wired in", async () => {
    await expect(run("", null)).rejects.toMatchObject({ code: "E_CONFIG" });
  });
});
