/**
 * The `pveum` commands of docs/PROXMOX.md section 3, which the simulator runs to set up its default user
 * and token. test/sim/documented-setup.test.ts fails when these and the page differ, so what the tests
 * exercise is what the page tells administrators to type.
 */
import type { PveVersion } from "../schema/types.js";
import { parseScript, type Statement } from "./shell.js";

/** `<!-- simulator: setup-9 -->`: pool, user, roles, privilege-separated token, ACLs for user and token. */
export const SETUP_PVE9 = `pveum pool add chatops --comment "VMs and templates managed by the ChatOps bot"
pveum user add chatops@pve --comment "ChatOps bot"

pveum role add ChatOpsGuests --privs "VM.Audit VM.Allocate VM.Clone VM.Config.Disk VM.Config.CDROM \\
  VM.Config.CPU VM.Config.Memory VM.Config.Network VM.Config.HWType VM.Config.Options \\
  VM.Config.Cloudinit VM.PowerMgmt VM.Snapshot VM.GuestAgent.Audit VM.GuestAgent.Unrestricted"
pveum role add ChatOpsDisks   --privs "Datastore.AllocateSpace Datastore.Audit"
pveum role add ChatOpsImages  --privs "Datastore.AllocateTemplate Datastore.Audit"
pveum role add ChatOpsNode    --privs "Sys.Audit Sys.AccessNetwork"

pveum user token add chatops@pve bot --privsep 1 --comment "chat bot"   # prints the secret ONCE

for who in '--users chatops@pve' '--tokens chatops@pve!bot'; do
  pveum acl modify /pool/chatops                 $who --roles ChatOpsGuests
  pveum acl modify /storage/local-lvm            $who --roles ChatOpsDisks
  pveum acl modify /storage/local                $who --roles ChatOpsImages
  pveum acl modify /sdn/zones/localnetwork/vmbr0 $who --roles PVESDNUser
  for node in pve1 pve2 pve3; do                 # every node the bot may use
    pveum acl modify /nodes/$node $who --roles ChatOpsNode
  done
done
`;

/** `<!-- simulator: setup-8.4-roles -->`: the roles that differ on PVE 8.4, replacing those of SETUP_PVE9. */
export const SETUP_PVE84_ROLES = `pveum role add ChatOpsGuests --privs "VM.Audit VM.Allocate VM.Clone VM.Config.Disk VM.Config.CDROM \\
  VM.Config.CPU VM.Config.Memory VM.Config.Network VM.Config.HWType VM.Config.Options \\
  VM.Config.Cloudinit VM.PowerMgmt VM.Snapshot VM.Monitor"
`;

/** `<!-- simulator: setup-read-only -->`: the inventory-only setup. */
export const SETUP_READ_ONLY = `pveum user add chatops@pve --comment "ChatOps bot"
pveum user token add chatops@pve bot --privsep 1 --comment "chat bot"
pveum role add ChatOpsRead --privs "VM.Audit Datastore.Audit Sys.Audit"
pveum acl modify / --users chatops@pve --roles ChatOpsRead
pveum acl modify / --tokens 'chatops@pve!bot' --roles ChatOpsRead
`;

/** The documented user and token. */
export const DOCUMENTED_USER = "chatops@pve";
export const DOCUMENTED_TOKEN = "chatops@pve!bot";

const roleOf = (s: Statement) =>
  s.kind === "command" ? /^pveum\s+role\s+add\s+(\S+)/.exec(s.text)?.[1] : undefined;

function print(statements: Statement[], indent = ""): string {
  return statements
    .map((s) =>
      s.kind === "command"
        ? `${indent}${s.text}`
        : `${indent}for ${s.variable} in ${s.words}; do\n${print(s.body, `${indent}  `)}\n${indent}done`,
    )
    .join("\n");
}

/** The setup for a version: on 8.4, the PVE 9 commands with the roles of the 8.4 block swapped in. */
export function documentedSetup(version: PveVersion, profile: "full" | "read-only"): string {
  if (profile === "read-only") return SETUP_READ_ONLY;
  if (version === "9.1") return SETUP_PVE9;
  const replacements = new Map(
    parseScript(SETUP_PVE84_ROLES)
      .map((s) => [roleOf(s), s] as const)
      .filter(([role]) => role !== undefined),
  );
  const statements = parseScript(SETUP_PVE9).map((s) => replacements.get(roleOf(s)) ?? s);
  return `${print(statements)}\n`;
}
