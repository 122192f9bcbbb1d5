import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { AccessConfig } from "../access/config.js";
import { effectivePrivileges } from "../access/permissions.js";
import type { PveVersion } from "../schema/types.js";
import type { Principal } from "./acl.js";
/** pve-access-control `AccessControl.pm`: tickets live two hours. */
export const TICKET_LIFETIME_S = 7200;

export type AuthOutcome =
  | { ok: true; principal: Principal; via: "token" | "ticket" }
  | { ok: false; statusText: string };

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Authentication against the simulated user.cfg: API tokens (privilege separation as configured) and
 * password users for tickets. A principal's privileges are computed per request path from the ACL.
 */
export class Credentials {
  private readonly ticketKey = randomBytes(32);

  constructor(
    private readonly version: PveVersion,
    readonly access: AccessConfig,
    private readonly nowMs: () => number,
  ) {}

  principal(userid: string, tokenid?: string): Principal {
    const who = tokenid ? `${userid}!${tokenid}` : userid;
    return { userid, tokenid, privileges: (path) => effectivePrivileges(this.access, who, path) };
  }

  /**
   * Authenticates like pveproxy: `Authorization: PVEAPIToken=USER@REALM!ID=SECRET` (the last `=`
   * splits off the secret), or a `PVEAuthCookie` ticket plus, for writes, `CSRFPreventionToken`.
   * Returns undefined when no credentials were sent.
   */
  authenticate(headers: IncomingHttpHeaders, method: string): AuthOutcome | undefined {
    const authorization = headers.authorization ?? "";
    const tokenMatch = /(?:^|\s)PVEAPIToken(?:=| )([^;]*)/.exec(authorization);
    if (tokenMatch) return this.verifyToken(safeDecode(tokenMatch[1]!.trim()));
    const cookieTicket = /(?:^|;\s*)PVEAuthCookie=([^;]*)/.exec(headers.cookie ?? "")?.[1];
    const headerTicket = /(?:^|\s)PVEAuthCookie=([^;\s]*)/.exec(authorization)?.[1];
    const ticket = cookieTicket ?? headerTicket;
    if (ticket === undefined) return undefined;
    const outcome = this.verifyTicket(safeDecode(ticket));
    if (outcome.ok && method !== "GET") {
      const csrf = headers.csrfpreventiontoken;
      if (typeof csrf !== "string" || !this.verifyCsrf(csrf, outcome.principal.userid)) {
        return { ok: false, statusText: "Permission denied - invalid csrf token" };
      }
    }
    return outcome;
  }

  private failure(legacy: string): AuthOutcome {
    return { ok: false, statusText: this.version === "9.1" ? "Authentication failed!" : legacy };
  }

  private verifyToken(value: string): AuthOutcome {
    const eq = value.lastIndexOf("=");
    if (eq < 0) return this.failure("invalid token value!");
    const tokenId = value.slice(0, eq);
    const entry = this.access.token(tokenId);
    if (!entry) {
      const bang = tokenId.lastIndexOf("!");
      return this.failure(`no such token '${tokenId.slice(bang + 1)}' for user '${tokenId.slice(0, bang)}'`);
    }
    if (!safeEqual(entry.secret, value.slice(eq + 1))) return this.failure("invalid token value!");
    const bang = tokenId.lastIndexOf("!");
    return {
      ok: true,
      via: "token",
      principal: this.principal(tokenId.slice(0, bang), tokenId.slice(bang + 1)),
    };
  }

  private sign(text: string): string {
    return createHmac("sha256", this.ticketKey).update(text).digest("base64");
  }

  issueTicket(username: string, password: string): { ticket: string; csrf: string } | undefined {
    const user = this.access.users.get(username);
    if (user?.password === undefined || !safeEqual(user.password, password)) return undefined;
    const stamp = Math.floor(this.nowMs() / 1000)
      .toString(16)
      .toUpperCase()
      .padStart(8, "0");
    const data = `PVE:${username}:${stamp}`;
    const csrfData = `${stamp}:${username}`;
    return { ticket: `${data}::${this.sign(data)}`, csrf: `${stamp}:${this.sign(csrfData)}` };
  }

  private verifyTicket(ticket: string): AuthOutcome {
    const m = /^(PVE:([^:]+):([0-9A-F]{8}))::(.+)$/.exec(ticket);
    const legacy = "permission denied - invalid PVE ticket";
    if (!m || !safeEqual(this.sign(m[1]!), m[4]!)) return this.failure(legacy);
    const age = Math.floor(this.nowMs() / 1000) - Number.parseInt(m[3]!, 16);
    const user = this.access.users.get(m[2]!);
    if (!user || age > TICKET_LIFETIME_S || age < -300) return this.failure(legacy);
    return { ok: true, via: "ticket", principal: this.principal(m[2]!) };
  }

  private verifyCsrf(token: string, userid: string): boolean {
    const m = /^([0-9A-F]{8}):(.+)$/.exec(token);
    if (!m) return false;
    const age = Math.floor(this.nowMs() / 1000) - Number.parseInt(m[1]!, 16);
    return age <= TICKET_LIFETIME_S && safeEqual(this.sign(`${m[1]}:${userid}`), m[2]!);
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
