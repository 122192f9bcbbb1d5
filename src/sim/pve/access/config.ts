import { randomUUID } from "node:crypto";
import { PRIVILEGES } from "../auth/privileges.js";
import type { PveVersion } from "../schema/types.js";
import { builtInRoles } from "./roles.js";

/** Who an ACL entry names: a user `user@realm` or an API token `user@realm!name`. */
export type AclSubject = { kind: "user"; id: string } | { kind: "token"; id: string };

export interface AclEntry {
  path: string;
  subject: AclSubject;
  role: string;
  propagate: boolean;
}

export interface TokenInfo {
  secret: string;
  privsep: boolean;
  comment?: string;
}

export interface UserInfo {
  comment?: string;
  password?: string;
  tokens: Map<string, TokenInfo>;
}

/** Pools live in the cluster state (VMs carry their pool); the access model reads them through this. */
export interface PoolDirectory {
  has(pool: string): boolean;
  add(pool: string, comment?: string): void;
  /** Paths that are members of the pool: `/vms/<id>` and `/storage/<id>`. */
  memberPaths(pool: string): string[];
  /** The pools `path` is a member of; answered per path so a permission check stays O(1) in cluster size. */
  poolsOf(path: string): string[];
  all(): string[];
}

/** A refusal worded as pve-access-control words it. */
export class AccessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AccessError";
  }
}

const USERID = /^[^\s:/]+@[A-Za-z][A-Za-z0-9.\-_]+$/;
const TOKEN_NAME = /^[A-Za-z][A-Za-z0-9.\-_]+$/;
const ROLE_ID = /^[A-Za-z0-9.\-_]+$/;

/** pve-access-control `check_path`: the ACL paths PVE accepts. */
const ACL_PATH = new RegExp(
  [
    "/",
    "/access",
    "/access/groups(?:/[A-Za-z0-9.\\-_]+)?",
    "/access/realm(?:/[A-Za-z0-9.\\-_]+)?",
    "/nodes(?:/[A-Za-z0-9.\\-_]+)?",
    "/pool(?:/[A-Za-z0-9.\\-_]+(?:/[A-Za-z0-9.\\-_]+){0,2})?",
    "/sdn",
    "/sdn/(?:controllers|dns|fabrics|ipams|prefix-lists|route-maps)(?:/[A-Za-z0-9_\\-]+)?",
    "/sdn/zones(?:/[A-Za-z0-9.\\-_]+(?:/[A-Za-z0-9.\\-_]+(?:/[1-9][0-9]{0,3})?)?)?",
    "/storage(?:/[A-Za-z0-9.\\-_]+)?",
    "/vms(?:/[1-9][0-9]{2,})?",
    "/mapping(?:/[A-Za-z0-9.\\-_]+(?:/[A-Za-z0-9.\\-_]+)?)?",
  ]
    .map((p) => `(?:${p})`)
    .join("|")
    .replace(/^/, "^(?:")
    .concat(")$"),
);

export function splitTokenId(tokenId: string): { userid: string; name: string } {
  const bang = tokenId.lastIndexOf("!");
  const userid = tokenId.slice(0, Math.max(bang, 0));
  const name = tokenId.slice(bang + 1);
  if (bang < 0 || !USERID.test(userid) || !TOKEN_NAME.test(name)) {
    throw new AccessError(`invalid token id '${tokenId}': expected USER@REALM!TOKENID`);
  }
  return { userid, name };
}

/**
 * The simulated `user.cfg`: users with their API tokens, roles (built-in and custom) and the ACL.
 * Changes go through the same rules and messages as `pveum` (pve-access-control API2 modules).
 */
export class AccessConfig {
  readonly users = new Map<string, UserInfo>([["root@pam", { tokens: new Map() }]]);
  readonly roles: Map<string, ReadonlySet<string>>;
  readonly acl: AclEntry[] = [];
  /** Bumped on every change of users, tokens, roles or the ACL: permission lookups keep results until then. */
  aclVersion = 0;

  constructor(
    readonly version: PveVersion,
    readonly pools: PoolDirectory,
  ) {
    this.roles = builtInRoles(version);
  }

  addPool(pool: string, comment?: string): void {
    if (!/^[A-Za-z0-9.\-_]+$/.test(pool)) throw new AccessError(`invalid pool ID '${pool}'`);
    if (this.pools.has(pool)) throw new AccessError(`pool '${pool}' already exists`);
    this.pools.add(pool, comment);
  }

  addUser(userid: string, opts: { comment?: string; password?: string } = {}): void {
    if (!USERID.test(userid)) throw new AccessError(`value '${userid}' does not look like a valid user name`);
    if (this.users.has(userid)) throw new AccessError(`user '${userid}' already exists`);
    this.users.set(userid, { ...opts, tokens: new Map() });
    this.aclVersion++;
  }

  setPassword(userid: string, password: string): void {
    const user = this.users.get(userid);
    if (!user) throw new AccessError(`user '${userid}' does not exist`);
    if (password.length < 5) throw new AccessError("password must have at least 5 characters");
    user.password = password;
  }

  addRole(role: string, privs: string[]): void {
    if (!ROLE_ID.test(role)) throw new AccessError(`role name '${role}' contains invalid characters`);
    if (this.roles.has(role)) throw new AccessError(`role '${role}' already exists`);
    const valid = new Set([...PRIVILEGES[this.version], "Permissions.Modify"]);
    for (const priv of privs) if (!valid.has(priv)) throw new AccessError(`invalid privilege '${priv}'`);
    this.roles.set(role, new Set(privs));
    this.aclVersion++;
  }

  addToken(
    tokenId: string,
    opts: { privsep?: boolean; comment?: string; secret?: string } = {},
  ): { tokenId: string; secret: string } {
    const { userid, name } = splitTokenId(tokenId);
    const user = this.users.get(userid);
    if (!user) throw new AccessError(`no such user ('${userid}')`);
    if (user.tokens.has(name)) throw new AccessError("Token already exists.");
    const secret = opts.secret ?? randomUUID();
    user.tokens.set(name, { secret, privsep: opts.privsep ?? true, comment: opts.comment });
    this.aclVersion++;
    return { tokenId, secret };
  }

  token(tokenId: string): TokenInfo | undefined {
    const bang = tokenId.lastIndexOf("!");
    return this.users.get(tokenId.slice(0, bang))?.tokens.get(tokenId.slice(bang + 1));
  }

  /** `pveum acl modify PATH --roles R [--users U] [--tokens T] [--propagate 0|1]`. */
  modifyAcl(path: string, roles: string[], subjects: AclSubject[], propagate = true): void {
    if (!ACL_PATH.test(path)) throw new AccessError(`invalid ACL path '${path}'`);
    if (subjects.length === 0) throw new AccessError("either 'users', 'groups' or 'tokens' is required");
    for (const role of roles)
      if (!this.roles.has(role)) throw new AccessError(`role '${role}' does not exist`);
    for (const s of subjects) {
      if (s.kind === "user" && !this.users.has(s.id)) throw new AccessError(`user '${s.id}' does not exist`);
      if (s.kind === "token" && !this.token(s.id)) {
        const { userid, name } = splitTokenId(s.id);
        throw new AccessError(`no such token '${name}' for user '${userid}'`);
      }
    }
    this.aclVersion++;
    for (const s of subjects) {
      for (const role of roles) {
        const same = this.acl.find(
          (e) => e.path === path && e.role === role && e.subject.kind === s.kind && e.subject.id === s.id,
        );
        if (same) same.propagate = propagate;
        else this.acl.push({ path, subject: s, role, propagate });
      }
    }
  }
}
