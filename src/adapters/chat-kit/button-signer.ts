/**
 * Button values carry a short MAC over the button id and the time it was rendered. A click whose value does
 * not verify came from a message this bot did not render (or an older format); a click older than
 * `maxAgeMs` is stale. Both answer "this action is no longer valid" instead of reaching the dispatcher.
 * The platform already authenticates the click itself (Slack's signed request or Socket Mode, Discord's
 * signed interaction), so the MAC only proves provenance and age; the dispatcher still checks RBAC and
 * approval state on every click.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { Clock } from "../../services/ports.js";

/** What a platform's button can carry: the id it echoes back and a free value next to it. */
export interface ButtonCapacity {
  /** Named in the error for an id too long to carry. */
  platform: string;
  /** Longest id the platform accepts (Slack's action_id: 255). */
  idLength: number;
  /** Longest value the platform accepts (Slack's button value: 2000). */
  valueLength: number;
}

const VERSION = "v1";

export interface RenderedButtonIds {
  actionId: string;
  value: string;
}

export type ButtonCheck = { ok: true; id: string } | { ok: false; reason: "unknown" | "stale" };

export class ButtonSigner {
  private readonly key: Buffer;

  /** `secret` is any adapter secret; a derived key is used so the MAC never reveals it. */
  constructor(
    secret: string,
    private readonly clock: Clock,
    private readonly maxAgeMs: number,
    private readonly capacity: ButtonCapacity,
  ) {
    this.key = createHmac("sha256", secret).update("pve-chatops button v1").digest();
  }

  /**
   * Ids that fit the platform's id (Slack's 255-character action_id) are used as-is; longer or duplicate ones get a hashed
   * action_id and travel in the value instead.
   */
  sign(id: string, taken: ReadonlySet<string>): RenderedButtonIds {
    const issued = Math.floor(this.clock.now() / 1000);
    const mac = this.mac(issued, id);
    if (id.length <= this.capacity.idLength && !taken.has(id)) {
      return { actionId: id, value: `${VERSION}.${issued}.${mac}` };
    }
    const hashed = `pve:${createHash("sha256").update(`${id}#${taken.size}`).digest("hex").slice(0, 40)}`;
    const value = `${VERSION}.${issued}.${mac}.${Buffer.from(id).toString("base64url")}`;
    if (value.length > this.capacity.valueLength) {
      const most = Math.floor(((this.capacity.valueLength - 40) * 3) / 4);
      throw new RangeError(
        `button id is ${id.length} characters; ${this.capacity.platform} can carry at most about ${most}`,
      );
    }
    return { actionId: hashed, value };
  }

  check(actionId: string, value: string | undefined): ButtonCheck {
    const parts = (value ?? "").split(".");
    if (parts.length < 3 || parts.length > 4 || parts[0] !== VERSION) return { ok: false, reason: "unknown" };
    const [, issuedText, mac, carried] = parts as [string, string, string, string | undefined];
    if (!/^\d{1,12}$/.test(issuedText)) return { ok: false, reason: "unknown" };
    const id = carried === undefined ? actionId : Buffer.from(carried, "base64url").toString("utf8");
    const issued = Number(issuedText);
    const expected = Buffer.from(this.mac(issued, id));
    const given = Buffer.from(mac);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      return { ok: false, reason: "unknown" };
    }
    if (this.clock.now() - issued * 1000 > this.maxAgeMs) return { ok: false, reason: "stale" };
    return { ok: true, id };
  }

  private mac(issued: number, id: string): string {
    return createHmac("sha256", this.key).update(`${issued}:${id}`).digest("base64url").slice(0, 22);
  }
}
