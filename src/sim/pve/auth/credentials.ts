import { createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { PveVersion } from "../schema/types.js";
import type { AclEntry, Principal } from "./acl.js";
import { PRIVILEGES } from "./privileges.js";

const USERID = /^[^\s:/]+@[A-Za-z][A-Za-z0-9.\-_]+$/;
const TOKEN_NAME = /^[A-Za-z][A-Za-z0-9.\-_]+$/;
/** pve-access-control `AccessControl.pm`: tickets live two hours. */
export const TICKET_LIFETIME_S = 7200;

export type AuthOutcome =
  | { ok: true; principal: Principal; via: "token" | "ticket" }
  | { ok: false; statusText: string };

interface TokenEntry {
  userid: string;
  name: string;
  secret: string;
  acl: AclEntry[];
}

interface UserEntry {
  password: string;
  acl: AclEntry[];
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * API tokens and password users of the simulator. A token's ACL is its effective ACL: the simulated
 * owner is assumed to hold every privilege, so `privsep` intersection reduces to the token's own entries.
 */
export class Credentials {
  private readonly tokens = new Map<string, TokenEntry>();
  private readonly users = new Map<string, UserEntry>();
  private readonly ticketKey = randomBytes(32);

  constructor(
    private readonly version: PveVersion,
    private readonly nowMs: () => number,
  ) {}

  addToken(opts: { tokenId: string; secret?: string; acl: AclEntry[] }): { tokenId: string; secret: string } {
    const bang = opts.tokenId.lastIndexOf("!");
    const userid = opts.tokenId.slice(0, bang);
    const name = opts.tokenId.slice(bang + 1);
    if (bang < 0 || !USERID.test(userid) || !TOKEN_NAME.test(name)) {
      throw new Error(`invalid token id '${opts.tokenId}': expected USER@REALM!TOKENID`);
    }
    this.checkAcl(opts.acl);
    const secret = opts.secret ?? randomUUID();
    this.tokens.set(opts.tokenId, { userid, name, secret, acl: opts.acl.map((e) => ({ ...e })) });
    return { tokenId: opts.tokenId, secret };
  }

  addUser(opts: { userid: string; password: string; acl: AclEntry[] }): void {
    if (!USERID.test(opts.userid)) throw new Error(`invalid user id '${opts.userid}': expected USER@REALM`);
    if (opts.password.length < 5) throw new Error("password must have at least 5 characters");
    this.checkAcl(opts.acl);
    this.users.set(opts.userid, { password: opts.password, acl: opts.acl.map((e) => ({ ...e })) });
  }

  private checkAcl(acl: AclEntry[]): void {
    const valid = new Set(PRIVILEGES[this.version]);
    for (const entry of acl) {
      if (!entry.path.startsWith("/")) throw new Error(`invalid ACL path '${entry.path}'`);
      for (const priv of entry.privs) {
        if (!valid.has(priv)) throw new Error(`invalid privilege '${priv}' (PVE ${this.version})`);
      }
    }
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
    const entry = this.tokens.get(tokenId);
    if (!entry) {
      const bang = tokenId.lastIndexOf("!");
      return this.failure(`no such token '${tokenId.slice(bang + 1)}' for user '${tokenId.slice(0, bang)}'`);
    }
    if (!safeEqual(entry.secret, value.slice(eq + 1))) return this.failure("invalid token value!");
    return {
      ok: true,
      via: "token",
      principal: { userid: entry.userid, tokenid: entry.name, acl: entry.acl },
    };
  }

  private sign(text: string): string {
    return createHmac("sha256", this.ticketKey).update(text).digest("base64");
  }

  issueTicket(username: string, password: string): { ticket: string; csrf: string } | undefined {
    const user = this.users.get(username);
    if (!user || !safeEqual(user.password, password)) return undefined;
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
    const user = this.users.get(m[2]!);
    if (!user || age > TICKET_LIFETIME_S || age < -300) return this.failure(legacy);
    return { ok: true, via: "ticket", principal: { userid: m[2]!, acl: user.acl } };
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
