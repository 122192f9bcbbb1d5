import type { AccessConfig, AclSubject } from "./config.js";

/** Privilege → propagate flag, as pve-access-control's `permissions()` returns them. */
export type PrivilegeMap = ReadonlyMap<string, boolean>;

/** `/vms/100/` → ["", "vms", "100"]; `/` → [""]. */
function levels(path: string): string[] {
  const parts = path.split("/").filter((p) => p.length > 0);
  return ["", ...parts];
}

/**
 * `PVE::AccessControl::roles`: walking from `/` to `path`, the roles set for the subject at a deeper level
 * replace everything inherited; a level's entry counts only if it propagates or is the path itself.
 * A token's own entries are looked up under its full id; NoAccess wins over everything.
 */
function rolesOn(cfg: AccessConfig, subject: AclSubject, path: string): Map<string, boolean> {
  let roles = new Map<string, boolean>();
  const parts = levels(path);
  let current = "";
  parts.forEach((part, i) => {
    current = part === "" ? "/" : `${current === "/" ? "" : current}/${part}`;
    const final = i === parts.length - 1;
    const found = new Map<string, boolean>();
    for (const e of cfg.acl) {
      if (e.path !== current || e.subject.kind !== subject.kind || e.subject.id !== subject.id) continue;
      if (final || e.propagate) found.set(e.role, e.propagate);
    }
    if (found.size > 0) roles = found;
  });
  const noAccess = roles.get("NoAccess");
  return noAccess === undefined ? roles : new Map([["NoAccess", noAccess]]);
}

/**
 * RPCEnvironment `compile_acl_path` for one subject: its roles on the path, plus the roles it holds on
 * `/pool/<p>` for paths that are members of pool p (never propagating, never overriding a role set by a
 * regular ACL, and NoAccess on either side wins), turned into privileges.
 */
function compile(cfg: AccessConfig, subject: AclSubject, path: string): Map<string, boolean> {
  const roles = rolesOn(cfg, subject, path);
  const poolRoles = new Map<string, boolean>();
  for (const pool of cfg.pools.all()) {
    if (!cfg.pools.memberPaths(pool).includes(path)) continue;
    for (const role of rolesOn(cfg, subject, `/pool/${pool}`).keys()) poolRoles.set(role, false);
  }
  if (poolRoles.size > 0 && !roles.has("NoAccess")) {
    if (poolRoles.has("NoAccess")) {
      roles.clear();
      roles.set("NoAccess", false);
    } else {
      for (const role of poolRoles.keys()) if (!roles.has(role)) roles.set(role, false);
    }
  }
  const privs = new Map<string, boolean>();
  for (const [role, propagate] of roles) {
    for (const priv of cfg.roles.get(role) ?? []) privs.set(priv, (privs.get(priv) ?? false) || propagate);
  }
  return privs;
}

/**
 * `PVE::RPCEnvironment::permissions`: root@pam holds everything; a token without privilege separation
 * has its user's privileges; a privilege-separated token has those set both for itself and for its user.
 */
export function effectivePrivileges(cfg: AccessConfig, who: string, path: string): PrivilegeMap {
  const bang = who.lastIndexOf("!");
  const userid = bang < 0 ? who : who.slice(0, bang);
  const everything = () => new Map([...(cfg.roles.get("Administrator") ?? [])].map((p) => [p, true]));
  if (bang < 0) {
    if (userid === "root@pam") return everything();
    if (!cfg.users.has(userid)) return new Map();
    return compile(cfg, { kind: "user", id: userid }, path);
  }
  const token = cfg.token(who);
  if (!token) return new Map();
  const userPrivs = userid === "root@pam" ? everything() : compile(cfg, { kind: "user", id: userid }, path);
  if (!token.privsep) return userPrivs;
  const own = compile(cfg, { kind: "token", id: who }, path);
  if (userid === "root@pam") return own;
  const both = new Map<string, boolean>();
  for (const [priv, propagate] of own) {
    const fromUser = userPrivs.get(priv);
    if (fromUser !== undefined) both.set(priv, fromUser && propagate);
  }
  return both;
}

/** The paths `GET /access/permissions` reports: top-level paths, every ACL path, every pool member. */
export function reportedPaths(cfg: AccessConfig): string[] {
  const paths = new Set(["/", "/access", "/access/groups", "/nodes", "/pool", "/sdn", "/storage", "/vms"]);
  for (const e of cfg.acl) paths.add(e.path);
  for (const pool of cfg.pools.all()) for (const p of cfg.pools.memberPaths(pool)) paths.add(p);
  return [...paths].sort();
}
