import type { AccessConfig, AclEntry, AclSubject } from "./config.js";

/** Privilege → propagate flag, as pve-access-control's `permissions()` returns them. */
export type PrivilegeMap = ReadonlyMap<string, boolean>;

/** ACL entries by path, and the roles inherited below a path per subject, for one ACL version. */
interface AclIndex {
  version: number;
  byPath: Map<string, AclEntry[]>;
  inherited: Map<string, Map<string, boolean>>;
  /** Effective privileges by caller and path shape (see shapeOf). */
  effective: Map<string, PrivilegeMap>;
}

const indexes = new WeakMap<AccessConfig, AclIndex>();

/** Rebuilt when the ACL changes; without it a listing of 10,000 VMs walked the whole ACL per VM. */
function indexOf(cfg: AccessConfig): AclIndex {
  const cached = indexes.get(cfg);
  if (cached && cached.version === cfg.aclVersion) return cached;
  const byPath = new Map<string, AclEntry[]>();
  for (const e of cfg.acl) byPath.set(e.path, [...(byPath.get(e.path) ?? []), e]);
  const index = { version: cfg.aclVersion, byPath, inherited: new Map(), effective: new Map() };
  indexes.set(cfg, index);
  return index;
}

/** The subject's entries on exactly `path`; `final` counts non-propagating ones too. */
function entriesAt(index: AclIndex, subject: AclSubject, path: string, final: boolean): Map<string, boolean> {
  const found = new Map<string, boolean>();
  for (const e of index.byPath.get(path) ?? []) {
    if (e.subject.kind !== subject.kind || e.subject.id !== subject.id) continue;
    if (final || e.propagate) found.set(e.role, e.propagate);
  }
  return found;
}

function parentOf(path: string): string | undefined {
  if (path === "/") return undefined;
  const cut = path.lastIndexOf("/");
  return cut <= 0 ? "/" : path.slice(0, cut);
}

/** What propagates from `path` down to its children: a level's own entries replace what it inherited. */
function inheritedAt(index: AclIndex, subject: AclSubject, path: string): Map<string, boolean> {
  const key = `${subject.kind}:${subject.id}:${path}`;
  const hit = index.inherited.get(key);
  if (hit) return hit;
  const parent = parentOf(path);
  const own = entriesAt(index, subject, path, false);
  const roles = own.size > 0 || parent === undefined ? own : inheritedAt(index, subject, parent);
  index.inherited.set(key, roles);
  return roles;
}

/**
 * `PVE::AccessControl::roles`: walking from `/` to `path`, the roles set for the subject at a deeper level
 * replace everything inherited; a level's entry counts only if it propagates or is the path itself.
 * A token's own entries are looked up under its full id; NoAccess wins over everything.
 */
function rolesOn(cfg: AccessConfig, subject: AclSubject, path: string): Map<string, boolean> {
  const index = indexOf(cfg);
  const own = entriesAt(index, subject, path, true);
  const parent = parentOf(path);
  const roles = new Map(own.size > 0 || parent === undefined ? own : inheritedAt(index, subject, parent));
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
  for (const pool of cfg.pools.poolsOf(path)) {
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
  const index = indexOf(cfg);
  const key = `${who}|${shapeOf(cfg, index, path)}`;
  const hit = index.effective.get(key);
  if (hit) return hit;
  const privs = computePrivileges(cfg, who, path);
  index.effective.set(key, privs);
  return privs;
}

/**
 * Paths with no ACL entry of their own and the same pools get the same privileges (`/vms/100` and
 * `/vms/101` in one pool), so they share one computation: a listing of 10,000 VMs needs a handful.
 */
function shapeOf(cfg: AccessConfig, index: AclIndex, path: string): string {
  if (index.byPath.has(path)) return path;
  return `${parentOf(path) ?? ""}/*|${cfg.pools.poolsOf(path).join(",")}`;
}

function computePrivileges(cfg: AccessConfig, who: string, path: string): PrivilegeMap {
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
