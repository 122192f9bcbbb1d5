import type { PrivilegeMap } from "../access/permissions.js";
import type { PermCheck } from "../schema/types.js";

/** Who is calling, with their effective privileges per ACL path (token ∩ user, pools applied). */
export interface Principal {
  /** `user@realm` */
  userid: string;
  /** Token name when authenticated by API token. */
  tokenid?: string;
  privileges(path: string): PrivilegeMap;
}

export type CheckResult = { ok: true } | { ok: false; detail?: string };

function normalise(path: string): string {
  return path === "/" ? "/" : path.replace(/\/+$/, "");
}

/**
 * Evaluates a schema `permissions.check` expression (`perm`, `and`, `or`, `userid-param`). The failure
 * detail is what PVE puts in `Permission check failed (<detail>)`: the path and the first missing
 * privilege, or the `|`-joined list for `any` checks; a failed `or` has no detail. Unknown forms fail closed.
 */
export function evaluateCheck(
  check: PermCheck,
  principal: Principal,
  params: Record<string, unknown>,
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
    const have = principal.privileges(normalise(path));
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
      const r = evaluateCheck(sub, principal, params);
      if (!r.ok) return r;
    }
    return { ok: true };
  }
  if (kind === "or") {
    for (const sub of rest as PermCheck[]) {
      if (evaluateCheck(sub, principal, params).ok) return { ok: true };
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
export function hasPrivilege(principal: Principal, path: string, priv: string): boolean {
  return principal.privileges(normalise(path)).has(priv);
}

/**
 * RPCEnvironment `check_vm_perm`: with a pool named in the request, the pool's ACL is tried first, then
 * `/vms/<vmid>`. This is how a create reaches pool rights before the new VM is a member.
 */
export function hasVmPrivilege(
  principal: Principal,
  vmid: number,
  pool: string | undefined,
  privs: string[],
  any = false,
): boolean {
  const holds = (path: string) => {
    const have = principal.privileges(path);
    return any ? privs.some((p) => have.has(p)) : privs.every((p) => have.has(p));
  };
  return (pool !== undefined && holds(`/pool/${pool}`)) || holds(`/vms/${vmid}`);
}
