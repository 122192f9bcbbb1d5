import { reportedPaths } from "../access/permissions.js";
import { hasPrivilege } from "../auth/acl.js";
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
 * `GET /access/permissions` (RPCEnvironment `get_effective_permissions`): the caller's (or, with
 * Sys.Audit on /access, a named user's or token's) privileges with their propagate flag, for the
 * top-level paths, every ACL path and every pool member; paths without privileges are left out unless
 * one path was asked for.
 */
function permissions(ctx: RequestContext) {
  const { principal } = ctx;
  const self = principal.tokenid ? `${principal.userid}!${principal.tokenid}` : principal.userid;
  const userid = str(ctx.params, "userid");
  if (userid !== undefined && userid !== self && !hasPrivilege(principal, "/access", "Sys.Audit")) {
    throw permissionError("/access, Sys.Audit");
  }
  const who = userid ?? self;
  const bang = who.lastIndexOf("!");
  const subject =
    who === self
      ? principal
      : ctx.rt.credentials.principal(
          bang < 0 ? who : who.slice(0, bang),
          bang < 0 ? undefined : who.slice(bang + 1),
        );
  const path = str(ctx.params, "path");
  const out: Record<string, Record<string, number>> = {};
  for (const p of path !== undefined ? [path] : reportedPaths(ctx.rt.credentials.access)) {
    const privs = subject.privileges(p);
    if (privs.size > 0 || path !== undefined) {
      out[p] = Object.fromEntries(
        [...privs].sort(([a], [b]) => a.localeCompare(b)).map(([priv, prop]) => [priv, prop ? 1 : 0]),
      );
    }
  }
  return out;
}

export const accessRoutes: RouteDefinition[] = [
  { method: "POST", path: "/access/ticket", handler: ticket },
  { method: "GET", path: "/access/permissions", handler: permissions },
];
