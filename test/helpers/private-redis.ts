/** A private redis-server a test can kill, pause and bring back on the same port. */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

export class PrivateRedis {
  private child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly extraArgs: readonly string[],
    private readonly dir: string,
  ) {}

  /** `extraArgs` adds server options such as `--requirepass`. */
  static async start(extraArgs: readonly string[] = []): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort(), extraArgs, mkdtempSync(join(tmpdir(), "pvebot-redis-")));
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts (again) on the same port; resolves once it accepts connections. */
  restart(): Promise<void> {
    const child = spawn(
      "redis-server",
      [
        ...["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        ...["--dir", this.dir, ...this.extraArgs],
      ],
      { stdio: ["ignore", "pipe", "ignore"] },
    );
    this.child = child;
    return new Promise((resolve, reject) => {
      child.stdout!.on("data", (d: Buffer) => {
        if (String(d).includes("Ready to accept connections")) resolve();
      });
      child.on("error", reject);
      child.on("exit", (code) => reject(new Error(`redis-server exited with ${code}`)));
    });
  }

  /** SIGKILL, as a crash would; resolves once the process is gone. */
  kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once("exit", () => resolve());
      child.kill("SIGKILL");
    });
  }

  /** SIGSTOP: connections stay open but nothing answers, as with a hung server. */
  pause(): void {
    this.child?.kill("SIGSTOP");
  }

  resume(): void {
    this.child?.kill("SIGCONT");
  }

  /** Ends the server for good and removes its directory. */
  async stop(): Promise<void> {
    this.resume();
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
