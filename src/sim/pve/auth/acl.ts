import type { PermCheck } from "../schema/types.js";

export interface AclEntry {
  path: string;
  privs: string[];
  /** Whether the entry also applies below `path` (PVE default: yes). */
  propagate?: boolean;
}

/** Who is calling, with the ACL that decides what they may do. */
export interface Principal {
  /** `user@realm` */
  userid: string;
  /** Token name when authenticated by API token. */
  tokenid?: string;
  acl: AclEntry[];
}

/** Pool membership lookup, so `/pool/<pool>` grants reach the member VMs. */
export type PoolOf = (vmid: number) => string | undefined;

function chain(path: string): string[] {
  const parts = path.split("/").filter((p) => p.length > 0);
  const out = ["/"];
  for (let i = 1; i <= parts.length; i++) out.push(`/${parts.slice(0, i).join("/")}`);
  return out;
}

/**
 * Effective privileges on `path` with PVE's rule: walking from `/` to the path, the entries found at a
 * deeper level replace the inherited ones; a parent's entry counts only if it propagates. A VM in a
 * pool also gets the pool's privileges (a simplification of PVE's pool inheritance: union, not override).
 */
export function privilegesOn(acl: AclEntry[], path: string, poolOf?: PoolOf): Set<string> {
  const target = path === "/" ? "/" : path.replace(/\/+$/, "");
  let current = new Set<string>();
  for (const level of chain(target)) {
    const applicable = acl.filter((e) => e.path === level && (level === target || e.propagate !== false));
    if (applicable.length > 0) current = new Set(applicable.flatMap((e) => e.privs));
  }
  const vm = /^\/vms\/(\d+)$/.exec(target);
  const pool = vm && poolOf ? poolOf(Number(vm[1])) : undefined;
  if (pool) for (const p of privilegesOn(acl, `/pool/${pool}`)) current.add(p);
  return current;
}

export type CheckResult = { ok: true } | { ok: false; detail?: string };

/**
 * Evaluates a schema `permissions.check` expression (`perm`, `and`, `or`, `userid-param`). The failure
 * detail is what PVE puts in `Permission check failed (<detail>)`: the path and the first missing
 * privilege, or the `|`-joined list for `any` checks; a failed `or` has no detail. Unknown forms fail closed.
 */
export function evaluateCheck(
  check: PermCheck,
  principal: Principal,
  params: Record<string, unknown>,
  poolOf?: PoolOf,
): CheckResult {
  const [kind, ...rest] = check;
  if (kind === "perm") {
    const [rawPath, privs, ...opts] = rest as [string, string[], ...unknown[]];
    const requireParam = opts[opts.indexOf("require_param") + 1];
    if (opts.includes("require_param") && params[String(requireParam)] === undefined) return { ok: false };
    let missingParam = false;
    const path = rawPath.replace(/\{([^}]+)\}/g, (_, name: string) => {
      const v = params[name];
      if (v === undefined) missingParam = true;
      return String(v ?? "");
    });
    if (missingParam) return { ok: false, detail: `${path}, ${privs.join("|")}` };
    const have = privilegesOn(principal.acl, path, poolOf);
    if (opts.includes("any")) {
      return privs.some((p) => have.has(p))
        ? { ok: true }
        : { ok: false, detail: `${path}, ${privs.join("|")}` };
    }
    const missing = privs.find((p) => !have.has(p));
    return missing ? { ok: false, detail: `${path}, ${missing}` } : { ok: true };
  }
  if (kind === "and") {
    for (const sub of rest as PermCheck[]) {
      const r = evaluateCheck(sub, principal, params, poolOf);
      if (!r.ok) return r;
    }
    return { ok: true };
  }
  if (kind === "or") {
    for (const sub of rest as PermCheck[]) {
      if (evaluateCheck(sub, principal, params, poolOf).ok) return { ok: true };
    }
    return { ok: false };
  }
  if (kind === "userid-param" && rest[0] === "self") {
    const userid = params["userid"];
    return userid === undefined || String(userid).split("!")[0] === principal.userid
      ? { ok: true }
      : { ok: false };
  }
  return { ok: false };
}

/** Convenience for handler-level checks (per-option privileges, storage access). */
export function hasPrivilege(principal: Principal, path: string, priv: string, poolOf?: PoolOf): boolean {
  return privilegesOn(principal.acl, path, poolOf).has(priv);
}
