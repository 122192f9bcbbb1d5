import type { FaultInjector } from "./faults.js";
import type { SimState } from "./state/state.js";
import type { TaskRecord } from "./state/types.js";

export interface TaskOwner {
  /** `user@realm` */
  user: string;
  /** Token name (the part after `!`) when a token made the call. */
  tokenid?: string;
}

export interface TaskContext {
  readonly upid: string;
  log(line: string): void;
  /** Logs `WARN: …` and counts it; the task then ends with `WARNINGS: n`. */
  warn(line: string): void;
}

export interface TaskSpec {
  node: string;
  /** Real PVE worker type, e.g. `qmclone`, `download`. */
  type: string;
  /** Worker id, usually the vmid; may be empty. */
  id: string;
  owner: TaskOwner;
  /** Runs at once, inside the request; a throw ends the task with that error (async error class). */
  start?: (t: TaskContext) => void;
  /**
   * Runs when the configured duration has elapsed; commits the work. When it returns a promise (a real
   * download), the task stays `running` until it settles.
   */
  finish?: (t: TaskContext) => void | Promise<void>;
  /** Undoes what `start` did when the task ends in error. */
  abort?: (t: TaskContext, reason: string) => void;
}

export interface TaskTiming {
  durationFor(type: string): number;
}

function hex8(n: number): string {
  return n.toString(16).toUpperCase().padStart(8, "0");
}

function messageOf(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.replace(/\n+$/, "");
}

/**
 * Runs simulated PVE workers: each gets a real UPID, a log, and ends `stopped` with `OK`,
 * `WARNINGS: n` or the error text after a per-type duration. Injected task faults replace the outcome.
 */
export type TaskEndListener = (task: { upid: string; exitstatus: string }) => void;

export class TaskManager {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly endListeners = new Set<TaskEndListener>();
  private readonly running = new Map<string, { stop: () => void }>();
  private readonly held = new Map<string, (() => void)[]>();
  private closed = false;

  constructor(
    private readonly state: SimState,
    private readonly faults: FaultInjector,
    private readonly timing: TaskTiming,
  ) {}

  spawn(spec: TaskSpec): string {
    const node = this.state.node(spec.node);
    node.nextPid += 1 + (node.nextPid % 7);
    const starttime = Math.floor(this.state.nowMs() / 1000);
    const user = spec.owner.tokenid ? `${spec.owner.user}!${spec.owner.tokenid}` : spec.owner.user;
    const upid = `UPID:${spec.node}:${hex8(node.nextPid)}:${hex8(node.pstart)}:${hex8(starttime)}:${spec.type}:${spec.id}:${user}:`;
    const record: TaskRecord = {
      upid,
      node: spec.node,
      pid: node.nextPid,
      pstart: node.pstart,
      starttime,
      type: spec.type,
      id: spec.id,
      user: spec.owner.user,
      tokenid: spec.owner.tokenid,
      status: "running",
      log: [],
    };
    this.state.tasks.set(upid, record);
    let warnings = 0;
    const ctx: TaskContext = {
      upid,
      log: (line) => record.log.push(line),
      warn: (line) => {
        warnings++;
        record.log.push(`WARN: ${line}`);
      },
    };
    const fault = this.faults.takeTaskFault(spec.type, spec.id);
    try {
      spec.start?.(ctx);
    } catch (e) {
      this.end(record, `TASK ERROR: ${messageOf(e)}`, messageOf(e));
      return upid;
    }
    let timer: NodeJS.Timeout | undefined;
    const complete = () => {
      if (timer) this.timers.delete(timer);
      this.running.delete(upid);
      if (this.closed) return;
      if (fault && fault.exitstatus !== "OK" && !/^WARNINGS: \d+$/.test(fault.exitstatus)) {
        this.fail(spec, ctx, record, fault.exitstatus);
        return;
      }
      const succeed = () => {
        if (fault?.exitstatus.startsWith("WARNINGS: ")) {
          const forced = Number(fault.exitstatus.slice("WARNINGS: ".length));
          while (warnings < forced) ctx.warn("simulated warning");
        }
        if (warnings > 0) this.end(record, `TASK WARNINGS: ${warnings}`, `WARNINGS: ${warnings}`);
        else this.end(record, "TASK OK", "OK");
      };
      let pending: void | Promise<void>;
      try {
        pending = spec.finish?.(ctx);
      } catch (e) {
        this.fail(spec, ctx, record, messageOf(e));
        return;
      }
      if (!(pending instanceof Promise)) {
        succeed();
        return;
      }
      pending.then(
        () => {
          if (!this.closed) succeed();
        },
        (e: unknown) => {
          if (!this.closed) this.fail(spec, ctx, record, messageOf(e));
        },
      );
    };
    // A held task counts its duration from its release; until then it stays `running`.
    const arm = () => {
      if (this.closed || !this.running.has(upid)) return;
      timer = setTimeout(complete, this.timing.durationFor(spec.type));
      this.timers.add(timer);
    };
    this.running.set(upid, {
      stop: () => {
        if (timer) {
          clearTimeout(timer);
          this.timers.delete(timer);
        }
        this.fail(spec, ctx, record, "interrupted by signal");
      },
    });
    const held = this.held.get(spec.type);
    if (held) held.push(arm);
    else arm();
    return upid;
  }

  /**
   * Keeps tasks of `type` started from now on running until the returned release is called; their
   * duration then starts. Lets a test observe a task in progress without racing its duration.
   */
  hold(type: string): () => void {
    const waiting: (() => void)[] = this.held.get(type) ?? [];
    this.held.set(type, waiting);
    return () => {
      if (this.held.get(type) === waiting) this.held.delete(type);
      for (const arm of waiting.splice(0)) arm();
    };
  }

  /** `DELETE /tasks/{upid}`: a running worker gets SIGTERM, undoes its work and ends in error. */
  stop(upid: string): void {
    const entry = this.running.get(upid);
    if (!entry) return;
    this.running.delete(upid);
    entry.stop();
  }

  private fail(spec: TaskSpec, ctx: TaskContext, record: TaskRecord, reason: string): void {
    try {
      spec.abort?.(ctx, reason);
    } catch (e) {
      ctx.log(`cleanup failed: ${messageOf(e)}`);
    }
    this.end(record, `TASK ERROR: ${reason}`, reason);
  }

  /** Calls `listener` after each task has stopped; returns the unsubscribe. */
  onEnd(listener: TaskEndListener): () => void {
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  private end(record: TaskRecord, lastLine: string, exitstatus: string): void {
    record.log.push(lastLine);
    record.status = "stopped";
    record.exitstatus = exitstatus;
    record.endtime = Math.floor(this.state.nowMs() / 1000);
    for (const listener of [...this.endListeners]) listener({ upid: record.upid, exitstatus });
  }

  /** Stops all timers; running tasks stay `running` forever, like workers of a killed daemon. */
  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.running.clear();
  }
}

/** Parses a UPID, or undefined when it is not one (PVE `decode_upid`). */
export function parseUpid(
  upid: string,
): { node: string; type: string; id: string; user: string } | undefined {
  const m =
    /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$/.exec(
      upid,
    );
  if (!m) return undefined;
  return { node: m[1]!, type: m[6]!, id: m[7]!, user: m[8]! };
}
