import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildPveCommand } from "../../src/adapters/discord/commands/build.js";
import { registerCommands } from "../../src/adapters/discord/commands/register.js";
import { DiscordRestError } from "../../src/adapters/discord/commands/rest.js";
import { main } from "../../src/bot/cli-main.js";
import { ALL_COMMANDS } from "../../src/commands/index.js";
import { RegistrationServer } from "../fakes/discord/registration-server.js";

const TOKEN = "bot-token-that-must-never-show";
const APP = "111111111111111111";
const GUILD = "222222222222222222";
const pve = buildPveCommand(ALL_COMMANDS);

let server: RegistrationServer;
let apiUrl: string;
beforeEach(async () => {
  server = new RegistrationServer(TOKEN, APP);
  apiUrl = await server.start();
});
afterEach(() => server.stop());

const rest = () => ({ apiUrl, token: TOKEN, version: "test" });
const puts = () => server.calls.filter((c) => c.method === "PUT");

describe("command registration", () => {
  it("shows /pve as added on a dry run and sends nothing", async () => {
    const result = await registerCommands(rest(), { commands: [pve], guildId: GUILD, dryRun: true });
    expect(result).toMatchObject({ applicationId: APP, scope: `guild ${GUILD}`, applied: false });
    expect(result.changes).toEqual([{ name: "pve", kind: "added", details: [] }]);
    expect(puts()).toEqual([]);
  });

  it("registers, then finds nothing to change in what Discord gives back", async () => {
    const first = await registerCommands(rest(), { commands: [pve], applicationId: APP, dryRun: false });
    expect(first).toMatchObject({ scope: "global", applied: true });
    expect(puts().map((c) => c.path)).toEqual([`/api/v10/applications/${APP}/commands`]);
    const second = await registerCommands(rest(), { commands: [pve], applicationId: APP, dryRun: false });
    expect(second.changes).toEqual([{ name: "pve", kind: "unchanged", details: [] }]);
    expect(second.applied).toBe(false);
    expect(puts()).toHaveLength(1);
  });

  it("names what changed and what Discord has that the registry no longer does", async () => {
    const route = `/applications/${APP}/guilds/${GUILD}/commands`;
    const old = structuredClone(pve);
    old.options.find((o) => o.name === "template")!.options!.find((o) => o.name === "build")!.description =
      "old";
    old.options = old.options.filter((o) => o.name !== "whoami");
    server.commands.set(route, [
      { id: "1", ...old },
      { id: "2", type: 1, name: "legacy", description: "gone" },
    ]);
    const result = await registerCommands(rest(), {
      commands: [pve],
      applicationId: APP,
      guildId: GUILD,
      dryRun: false,
    });
    expect(result.changes).toEqual([
      {
        name: "pve",
        kind: "changed",
        details: expect.arrayContaining(["options.template.options.build.description"]),
      },
      { name: "legacy", kind: "removed", details: [] },
    ]);
    expect(result.changes[0]!.details).toHaveLength(2);
    expect(result.changes[0]!.details).toContain("options.whoami added");
    expect(server.commands.get(route)!.map((c) => c.name)).toEqual(["pve"]);
  });

  it("waits out a 429 as Discord says and carries on", async () => {
    server.rateLimitOnce = true;
    const result = await registerCommands(rest(), { commands: [pve], applicationId: APP, dryRun: false });
    expect(result.applied).toBe(true);
    expect(server.calls.map((c) => c.method)).toEqual(["GET", "GET", "PUT"]);
  });

  it("reports a refused token without the token, and refuses a malformed guild id before any call", async () => {
    const refused = registerCommands({ ...rest(), token: "wrong" }, { commands: [pve], dryRun: true });
    await expect(refused).rejects.toThrow(DiscordRestError);
    await expect(refused).rejects.toThrow(
      "Discord refused GET /applications/@me: HTTP 401 (the bot token was not accepted)",
    );
    const calls = server.calls.length;
    await expect(
      registerCommands(rest(), { commands: [pve], guildId: "12; drop", dryRun: true }),
    ).rejects.toThrow(/guild id "12; drop" is not a Discord id/);
    expect(server.calls).toHaveLength(calls);
  });
});

describe("proxmox-chatops discord register", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "discord-register-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function run(argv: string[], env: Record<string, string>) {
    let stdout = "";
    let stderr = "";
    const code = await main({
      argv,
      env,
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
    });
    expect(stdout + stderr).not.toContain(TOKEN);
    return { code, stdout, stderr };
  }

  it("prints the changes of a dry run, then registers in the guild, with the token read from a file", async () => {
    const tokenFile = join(dir, "token");
    writeFileSync(tokenFile, `${TOKEN}\n`);
    const env = { DISCORD_TOKEN_FILE: tokenFile, DISCORD_API_URL: apiUrl };
    const dry = await run(["discord", "register", "--guild", GUILD, "--dry-run"], env);
    expect(dry).toMatchObject({ code: 0, stderr: "" });
    expect(dry.stdout).toBe(
      `Discord commands (guild ${GUILD}, application ${APP}):\n  added     /pve\ndry run: 1 change(s) not sent\n`,
    );
    expect(puts()).toEqual([]);
    const real = await run(["discord", "register", "--guild", GUILD], { ...env, DISCORD_APP_ID: APP });
    expect(real.stdout).toContain("registered: 1 change(s) sent");
    expect(puts().map((c) => c.path)).toEqual([`/api/v10/applications/${APP}/guilds/${GUILD}/commands`]);
  });

  it("fails clearly without a token, on a refused token and on an unknown flag", async () => {
    expect(await run(["discord", "register"], { DISCORD_API_URL: apiUrl })).toMatchObject({
      code: 1,
      stderr: "proxmox-chatops discord register: set DISCORD_TOKEN or DISCORD_TOKEN_FILE to the bot token\n",
    });
    const refused = await run(["discord", "register"], { DISCORD_TOKEN: "nope", DISCORD_API_URL: apiUrl });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("HTTP 401 (the bot token was not accepted)");
    const unknown = await run(["discord", "register", "--global"], {
      DISCORD_TOKEN: TOKEN,
      DISCORD_API_URL: apiUrl,
    });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown option '--global'/);
  });
});
