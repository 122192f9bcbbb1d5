/**
 * User-group memberships for RBAC (`slack:group:S…`). One `usergroups.list` with `include_users` answers
 * for every user, so the whole directory is cached and refreshed after `ttlMs`. When Slack cannot be asked
 * (missing `usergroups:read`, outage) the last good directory is kept; with none, users get no groups,
 * which can only lower their role (fail closed).
 */
import type { Clock, Log } from "../../services/ports.js";

export interface UserGroupApi {
  usergroups: {
    list(args: { include_users: boolean; include_disabled?: boolean }): Promise<{
      usergroups?: { id?: string; users?: string[]; date_delete?: number }[];
    }>;
  };
}

export class GroupDirectory {
  private byUser = new Map<string, string[]>();
  private loadedAt: number | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly api: UserGroupApi,
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly log: Log,
  ) {}

  async groupsOf(userId: string): Promise<string[]> {
    const now = this.clock.now();
    if (this.loadedAt === undefined || now - this.loadedAt >= this.ttlMs) await this.refresh();
    return [...(this.byUser.get(userId) ?? [])];
  }

  /** Concurrent callers share one request. */
  private refresh(): Promise<void> {
    this.refreshing ??= this.load().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async load(): Promise<void> {
    try {
      const res = await this.api.usergroups.list({ include_users: true });
      const byUser = new Map<string, string[]>();
      for (const g of res.usergroups ?? []) {
        if (!g.id || (g.date_delete ?? 0) > 0) continue;
        for (const u of g.users ?? []) byUser.set(u, [...(byUser.get(u) ?? []), g.id]);
      }
      this.byUser = byUser;
      this.loadedAt = this.clock.now();
    } catch (err) {
      const code = (err as { data?: { error?: string } }).data?.error ?? (err as Error).name;
      this.log.warn(
        { method: "usergroups.list", code, cached: this.loadedAt !== undefined },
        "slack user groups unavailable; using the last known memberships",
      );
      // Try again after a short pause rather than on every command while Slack is failing.
      this.loadedAt = this.clock.now() - this.ttlMs + Math.min(this.ttlMs, 30_000);
    }
  }
}
