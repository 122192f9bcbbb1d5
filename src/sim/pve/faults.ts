/**
 * In-process fault injection and request accounting for tests. Paths are relative to `/api2/json`
 * (e.g. `/nodes/pve1/qemu`); a string matches exactly, a RegExp is tested against the path.
 */
export type PathMatcher = string | RegExp;

export interface RequestLogEntry {
  method: string;
  path: string;
  query: Record<string, unknown>;
  body: Record<string, unknown>;
  /** HTTP status sent; 0 when the connection was dropped. */
  status: number;
  at: number;
}

function normalizePath(path: string): string {
  return path.startsWith("/api2/json") ? path.slice("/api2/json".length) || "/" : path;
}

function matches(matcher: PathMatcher, path: string): boolean {
  return typeof matcher === "string" ? normalizePath(matcher) === path : matcher.test(path);
}

function methodMatches(expected: string | undefined, method: string): boolean {
  return expected === undefined || expected.toUpperCase() === method;
}

export class RequestLog {
  readonly entries: RequestLogEntry[] = [];

  record(entry: RequestLogEntry): void {
    this.entries.push(entry);
  }

  /** How many requests with this method reached the server for the path (or paths matching a RegExp). */
  count(method: string, path: PathMatcher): number {
    return this.filter(method, path).length;
  }

  filter(method: string, path: PathMatcher): RequestLogEntry[] {
    return this.entries.filter((e) => methodMatches(method, e.method) && matches(path, e.path));
  }

  clear(): void {
    this.entries.length = 0;
  }
}

export interface RequestFault {
  method?: string;
  path: PathMatcher;
  /** How many matching requests fail; default 1. */
  times?: number;
  /** How many matching requests pass untouched before the first failure; default 0. */
  skip?: number;
  status: number;
  message: string;
  errors?: Record<string, string>;
}

export interface TaskFault {
  /** PVE task type, e.g. `qmclone`; omit to match any type. */
  type?: string;
  /** The task's id field (usually the vmid); omit to match any. */
  vmid?: number | string;
  /** `OK`, `WARNINGS: n`, or an error text that becomes `TASK ERROR: <text>`. */
  exitstatus: string;
  times?: number;
}

export interface LatencyFault {
  method?: string;
  path: PathMatcher;
  ms: number;
  /** Default: every matching request until `clear()`. */
  times?: number;
}

export interface DropFault {
  method?: string;
  /** Omit to drop any request. */
  path?: PathMatcher;
  times?: number;
  /**
   * `before`: the request is not processed. `after`: it is processed (state changes, tasks start)
   * and then the response is lost, the case that makes blind retries of POSTs dangerous.
   */
  when?: "before" | "after";
}

interface Counted<T> {
  fault: T;
  left: number;
  /** Matching requests still to let through before this fault applies. */
  skip?: number;
}

export class FaultInjector {
  private requestFaults: Counted<RequestFault>[] = [];
  private taskFaults: Counted<TaskFault>[] = [];
  private latencies: Counted<LatencyFault>[] = [];
  private drops: Counted<DropFault>[] = [];

  failNext(fault: RequestFault): void {
    this.requestFaults.push({ fault, left: fault.times ?? 1, skip: fault.skip ?? 0 });
  }

  failNextTask(fault: TaskFault): void {
    this.taskFaults.push({ fault, left: fault.times ?? 1 });
  }

  addLatency(fault: LatencyFault): void {
    this.latencies.push({ fault, left: fault.times ?? Number.POSITIVE_INFINITY });
  }

  dropConnection(fault: DropFault = {}): void {
    this.drops.push({ fault, left: fault.times ?? 1 });
  }

  clear(): void {
    this.requestFaults = [];
    this.taskFaults = [];
    this.latencies = [];
    this.drops = [];
  }

  takeRequestFault(method: string, path: string): RequestFault | undefined {
    return take(this.requestFaults, (f) => methodMatches(f.method, method) && matches(f.path, path));
  }

  takeLatency(method: string, path: string): number {
    return take(this.latencies, (f) => methodMatches(f.method, method) && matches(f.path, path))?.ms ?? 0;
  }

  takeDrop(method: string, path: string): DropFault | undefined {
    return take(
      this.drops,
      (f) => methodMatches(f.method, method) && (f.path === undefined || matches(f.path, path)),
    );
  }

  takeTaskFault(type: string, id: string): TaskFault | undefined {
    return take(
      this.taskFaults,
      (f) => (f.type === undefined || f.type === type) && (f.vmid === undefined || String(f.vmid) === id),
    );
  }
}

function take<T>(list: Counted<T>[], pick: (f: T) => boolean): T | undefined {
  const index = list.findIndex((c) => c.left > 0 && pick(c.fault));
  if (index < 0) return undefined;
  const entry = list[index]!;
  if (entry.skip !== undefined && entry.skip > 0) {
    entry.skip -= 1;
    return undefined;
  }
  entry.left -= 1;
  if (entry.left <= 0) list.splice(index, 1);
  return entry.fault;
}
