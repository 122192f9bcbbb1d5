import { hasPrivilege, privilegesOn } from "../auth/acl.js";
import { PveHttpError, permissionError } from "../errors.js";
import { type RequestContext, type RouteDefinition, str } from "./types.js";

function ticket(ctx: RequestContext) {
  let username = str(ctx.params, "username")!;
  const realm = str(ctx.params, "realm");
  if (realm && !username.includes("@")) username = `${username}@${realm}`;
  const issued = ctx.rt.credentials.issueTicket(username, str(ctx.params, "password")!);
  if (!issued) throw new PveHttpError(401, "authentication failure\n");
  return {
    username,
    ticket: issued.ticket,
    CSRFPreventionToken: issued.csrf,
    clustername: "sim",
    cap: { vms: {}, storage: {}, nodes: {}, access: {}, dc: {}, sdn: {}, mapping: {} },
  };
}

/**
 * Effective permissions of the caller (or of a named user/token with Sys.Audit on /access), as
 * `{path: {priv: propagate}}` for every ACL path, or for the single `path` asked for.
 */
function permissions(ctx: RequestContext) {
  const { principal } = ctx;
  const self = principal.tokenid ? `${principal.userid}!${principal.tokenid}` : principal.userid;
  const userid = str(ctx.params, "userid");
  if (userid !== undefined && userid !== self && !hasPrivilege(principal, "/access", "Sys.Audit")) {
    throw permissionError("/access, Sys.Audit");
  }
  const path = str(ctx.params, "path");
  const paths = path !== undefined ? [path] : [...new Set(["/", ...principal.acl.map((e) => e.path)])];
  const out: Record<string, Record<string, number>> = {};
  for (const p of paths) {
    const privs = privilegesOn(principal.acl, p, ctx.rt.poolOf);
    const propagate = principal.acl.find((e) => e.path === p)?.propagate === false ? 0 : 1;
    if (privs.size > 0 || path !== undefined) {
      out[p] = Object.fromEntries([...privs].sort().map((priv) => [priv, propagate]));
    }
  }
  return out;
}

export const accessRoutes: RouteDefinition[] = [
  { method: "POST", path: "/access/ticket", handler: ticket },
  { method: "GET", path: "/access/permissions", handler: permissions },
];
