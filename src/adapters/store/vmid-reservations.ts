/**
 * VMID reservations in Redis: one key per VMID (`<prefix>vmid:<n>`) holding the owner, set with NX and
 * an expiry, so two builds in any processes never pick the same number and a dead worker's hold lapses.
 */

import type { VmidReservations } from "../../services/locks/ports.js";
import { guarded } from "./redis.js";
import type { RedisClient } from "./redis-target.js";
import { scanKeys } from "./redis-target.js";

const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export class RedisVmidReservations implements VmidReservations {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  private key(vmid: number): string {
    return `${this.prefix}vmid:${vmid}`;
  }

  async reserve(vmid: number, owner: string, ttlMs: number): Promise<boolean> {
    const current = await guarded(() => this.redis.get(this.key(vmid)));
    if (current === owner) {
      await guarded(() => this.redis.pexpire(this.key(vmid), ttlMs));
      return true;
    }
    const ok = await guarded(() => this.redis.set(this.key(vmid), owner, "PX", ttlMs, "NX"));
    return ok === "OK";
  }

  async release(vmid: number, owner: string): Promise<void> {
    await guarded(() => this.redis.eval(RELEASE_LUA, 1, this.key(vmid), owner));
  }

  /** Scans the reservation keys (few: one per build in flight) rather than probing every VMID. */
  async reserved(min: number, max: number): Promise<Set<number>> {
    const out = new Set<number>();
    const start = `${this.prefix}vmid:`;
    await guarded(() =>
      scanKeys(this.redis, `${start}*`, (keys) => {
        for (const key of keys) {
          const vmid = Number(key.slice(start.length));
          if (Number.isInteger(vmid) && vmid >= min && vmid <= max) out.add(vmid);
        }
      }),
    );
    return out;
  }
}
