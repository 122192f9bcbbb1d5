import { PRIVILEGES } from "../auth/privileges.js";
import type { PveVersion } from "../schema/types.js";

interface PrivilegeGroup {
  root: string[];
  admin: string[];
  user: string[];
  audit: string[];
}

/**
 * pve-access-control `$privgroups`: each category yields `PVE<cat>Admin` (admin+user+audit),
 * `PVE<cat>User` (user+audit, when the category has user privileges) and feeds `PVEAdmin` and
 * `PVEAuditor`. PVE 8 had `VM.Monitor` where PVE 9 has the `VM.GuestAgent.*` family.
 */
function privilegeGroups(version: PveVersion): Record<string, PrivilegeGroup> {
  const vm9 = version === "9.1";
  return {
    VM: {
      root: [],
      admin: [
        "VM.Config.Disk",
        "VM.Config.CPU",
        "VM.Config.Memory",
        "VM.Config.Network",
        "VM.Config.HWType",
        "VM.Config.Options",
        "VM.Allocate",
        "VM.Clone",
        ...(vm9 ? ["VM.GuestAgent.Unrestricted", "VM.Replicate"] : ["VM.Monitor"]),
        "VM.Migrate",
        "VM.Snapshot",
        "VM.Snapshot.Rollback",
      ],
      user: [
        "VM.Config.CDROM",
        "VM.Config.Cloudinit",
        "VM.Console",
        "VM.Backup",
        ...(vm9 ? ["VM.GuestAgent.FileRead", "VM.GuestAgent.FileSystemMgmt", "VM.GuestAgent.FileWrite"] : []),
        "VM.PowerMgmt",
      ],
      audit: ["VM.Audit", ...(vm9 ? ["VM.GuestAgent.Audit"] : [])],
    },
    Sys: {
      root: ["Sys.PowerMgmt", "Sys.Modify", "Sys.Incoming", "Sys.AccessNetwork"],
      admin: ["Sys.Console", "Sys.Syslog"],
      user: [],
      audit: ["Sys.Audit"],
    },
    Datastore: {
      root: [],
      admin: ["Datastore.Allocate", "Datastore.AllocateTemplate"],
      user: ["Datastore.AllocateSpace"],
      audit: ["Datastore.Audit"],
    },
    SDN: { root: [], admin: ["SDN.Allocate", "SDN.Audit"], user: ["SDN.Use"], audit: ["SDN.Audit"] },
    User: {
      root: ["Realm.Allocate"],
      admin: ["User.Modify", "Group.Allocate", "Realm.AllocateUser"],
      user: [],
      audit: [],
    },
    Pool: { root: [], admin: ["Pool.Allocate"], user: ["Pool.Audit"], audit: ["Pool.Audit"] },
    Mapping: { root: [], admin: ["Mapping.Modify"], user: ["Mapping.Use"], audit: ["Mapping.Audit"] },
  };
}

/** The roles every PVE installation has; they cannot be created, changed or deleted. */
export function builtInRoles(version: PveVersion): Map<string, ReadonlySet<string>> {
  const roles = new Map<string, Set<string>>();
  const add = (role: string, privs: string[]) => {
    const set = roles.get(role) ?? new Set<string>();
    for (const p of privs) set.add(p);
    roles.set(role, set);
  };
  add("NoAccess", []);
  add("Administrator", [...PRIVILEGES[version], "Permissions.Modify"]);
  for (const [category, group] of Object.entries(privilegeGroups(version))) {
    add(`PVE${category}Admin`, [...group.admin, ...group.user, ...group.audit]);
    add("PVEAdmin", [...group.admin, ...group.user, ...group.audit]);
    if (group.user.length > 0) add(`PVE${category}User`, [...group.user, ...group.audit]);
    add("PVEAuditor", group.audit);
  }
  roles.get("PVEAdmin")?.delete("Mapping.Modify");
  add("PVETemplateUser", ["VM.Clone", "VM.Audit"]);
  return roles;
}
