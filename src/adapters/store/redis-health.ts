/**
 * One voice for every Redis connection of a process. The bot holds several (the store, the job queue's
 * bookkeeping, BullMQ's own queue, worker and blocking connections, the Slack replay guard); when RedisClient
 * goes away each of them fails and retries on its own, and an ioredis client without an `error` listener
 * prints a stack trace to stderr on every attempt, outside the JSON log. Every client is therefore
 * watched here, and an outage is told once: one "Redis unavailable" line when the first connection fails,
 * one "Redis back" line when every watched connection is ready again (and, when given, a probe answers);
 * the attempts in between are debug lines.
 *
 * BullMQ's Queue and Worker re-emit their connections' errors as their own `error` events; `listener`
 * routes those here too. Errors that are not about the connection (a script bug) are logged as they come.
 */

import type { Log } from "../../services/ports.js";
import { whenUnavailable } from "./redis-errors.js";
import type { RedisClient } from "./redis-target.js";

export interface RedisHealthOptions {
  log: Log;
  /**
   * Asked during an outage when no watched client is down any more (e.g. only a BullMQ connection had
   * failed): true once RedisClient answers. Without it, only watched clients' `ready` events end an outage.
   */
  probe?: () => Promise<boolean>;
  /** How often `probe` is asked during an outage; default 1000 ms. */
  probeIntervalMs?: number;
}

export class RedisHealth {
  private readonly down = new Set<string>();
  private outage = false;
  private probeTimer: NodeJS.Timeout | undefined;
  private probing = false;
  private readonly log: Log;

  constructor(private readonly options: RedisHealthOptions) {
    this.log = options.log.child({ component: "redis" });
  }

  /** True between a "Redis unavailable" line and its "Redis back" line. */
  get unavailable(): boolean {
    return this.outage;
  }

  /** Listens to a client's connection events; returns the client. */
  watch<T extends RedisClient>(client: T, name: string): T {
    client.on("error", (err: Error) => {
      if (!isConnectionError(err)) {
        this.log.warn({ client: name, err: describe(err) }, "redis client error");
        return;
      }
      this.down.add(name);
      this.failed(name, err);
    });
    client.on("ready", () => {
      this.down.delete(name);
      if (this.outage && this.down.size === 0) this.back();
    });
    // Closed on purpose (shutdown, a one-off client): it no longer counts either way.
    client.on("end", () => {
      this.down.delete(name);
    });
    return client;
  }

  /** An `error` listener for a BullMQ Queue or Worker, whose connections BullMQ makes itself. */
  listener(source: string): (err: Error) => void {
    return (err) => {
      if (isConnectionError(err)) this.failed(source, err);
      else this.log.warn({ source, err }, "job queue error");
    };
  }

  /** Stops the probe timer; call at shutdown. */
  close(): void {
    if (this.probeTimer) clearInterval(this.probeTimer);
    this.probeTimer = undefined;
  }

  private failed(source: string, err: Error): void {
    if (this.outage) {
      this.log.debug({ source, err: describe(err) }, "redis still unavailable");
      return;
    }
    this.outage = true;
    this.log.warn({ source, err: describe(err) }, "Redis unavailable");
    this.startProbing();
  }

  private back(): void {
    this.outage = false;
    this.close();
    this.log.info("Redis back");
  }

  private startProbing(): void {
    const probe = this.options.probe;
    if (!probe || this.probeTimer) return;
    this.probeTimer = setInterval(() => {
      if (this.probing || this.down.size > 0 || !this.outage) return;
      this.probing = true;
      probe()
        .then((ok) => {
          if (ok && this.outage && this.down.size === 0) this.back();
        })
        .catch(() => {})
        .finally(() => {
          this.probing = false;
        });
    }, this.options.probeIntervalMs ?? 1000);
    this.probeTimer.unref();
  }
}

function isConnectionError(err: unknown): boolean {
  return whenUnavailable(err) !== undefined || (err instanceof Error && err.name === "ConnectionClosedError");
}

/** The error's code when it has one (ECONNREFUSED), else its message; never a URL's credentials. */
function describe(err: Error): string {
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && code !== "") return code;
  return err.message.replace(/\/\/[^/\s]*@/g, "//***@");
}
