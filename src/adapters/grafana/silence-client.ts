/**
 * Alertmanager's v2 silence API (`POST /silences`, `DELETE /silence/{id}`, `GET /silences`), for a plain
 * Alertmanager (`http://am:9093`) or Grafana's built-in one (`https://grafana/api/alertmanager/grafana`):
 * the configured URL gets `/api/v2` appended unless it already ends so. Any 2xx is success (Alertmanager
 * answers 200, Grafana 202). Failures become E_UNAVAILABLE errors that name the host and status, never the
 * credentials; the request bodies follow the OpenAPI `postableSilence` definition (a test validates them).
 */
import { z } from "zod";
import type { SilenceApi, SilenceInfo, SilenceRequest } from "../../services/alerts/ports.js";
import { UserError } from "../../services/errors.js";

/** As the `alerts.sources.<name>.silences.auth` config writes it. */
export type SilenceAuth =
  | { type: "bearer"; token: string }
  | { type: "basic"; username: string; password: string };

export interface SilenceClientOptions {
  url: string;
  auth?: SilenceAuth;
  /** Per request; default 10 s. */
  timeoutMs?: number;
  /** The verifying fetch of src/adapters/verified-http.ts in the bot; the global one in tests. */
  fetch?: typeof globalThis.fetch;
}

const gettableSilences = z.array(
  z.object({
    id: z.string(),
    status: z.object({ state: z.enum(["active", "pending", "expired"]) }),
    matchers: z.array(
      z.object({
        name: z.string(),
        value: z.string(),
        isRegex: z.boolean(),
        isEqual: z.boolean().optional(),
      }),
    ),
    startsAt: z.string(),
    endsAt: z.string(),
    createdBy: z.string(),
    comment: z.string(),
  }),
);

const created = z.union([z.object({ silenceID: z.string() }), z.object({ id: z.string() })]);

/** What the service shows for a silence someone made with a regex or a negative matcher. */
const OPERATOR = (isRegex: boolean, isEqual: boolean) =>
  isRegex ? (isEqual ? "=~" : "!~") : isEqual ? "" : "!=";

export class AlertmanagerSilenceClient implements SilenceApi {
  private readonly base: string;
  private readonly host: string;
  private readonly headers: Record<string, string>;
  private readonly fetch: typeof globalThis.fetch;
  private readonly timeoutMs: number;

  constructor(options: SilenceClientOptions) {
    const url = new URL(options.url);
    if (url.username || url.password) {
      throw new Error("put Alertmanager credentials in the source's auth settings, not in its URL");
    }
    const path = url.pathname.replace(/\/+$/, "");
    this.base = `${url.origin}${path.endsWith("/api/v2") ? path : `${path}/api/v2`}`;
    this.host = url.host;
    this.headers = { accept: "application/json", ...authorization(options.auth) };
    this.fetch = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async create(request: SilenceRequest): Promise<{ id: string }> {
    const body = {
      matchers: request.matchers.map((m) => ({
        name: m.name,
        value: m.value,
        isRegex: false,
        isEqual: true,
      })),
      startsAt: new Date(request.startsAt).toISOString(),
      endsAt: new Date(request.endsAt).toISOString(),
      createdBy: request.createdBy,
      comment: request.comment,
    };
    const answer = created.safeParse(await this.call("POST", "/silences", body, "create the silence"));
    if (!answer.success) throw this.unavailable("create the silence", "its answer had no silence id");
    return { id: "silenceID" in answer.data ? answer.data.silenceID : answer.data.id };
  }

  async expire(id: string): Promise<void> {
    await this.call("DELETE", `/silence/${encodeURIComponent(id)}`, undefined, `expire silence ${id}`);
  }

  async list(): Promise<SilenceInfo[]> {
    const parsed = gettableSilences.safeParse(
      await this.call("GET", "/silences", undefined, "list silences"),
    );
    if (!parsed.success) throw this.unavailable("list silences", "its answer was not a list of silences");
    return parsed.data.map((s) => ({
      id: s.id,
      state: s.status.state,
      matchers: s.matchers.map((m) => ({
        name: m.name,
        value: `${OPERATOR(m.isRegex, m.isEqual ?? true)}${m.value}`,
        isRegex: false,
        isEqual: true,
      })),
      startsAt: Date.parse(s.startsAt),
      endsAt: Date.parse(s.endsAt),
      createdBy: s.createdBy,
      comment: s.comment,
    }));
  }

  private async call(method: string, path: string, body: unknown, what: string): Promise<unknown> {
    let response: Response;
    try {
      response = await this.fetch(`${this.base}${path}`, {
        method,
        headers: body === undefined ? this.headers : { ...this.headers, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const reason =
        err instanceof Error && err.name === "TimeoutError" ? "no answer in time" : "no connection";
      throw this.unavailable(what, reason);
    }
    const text = await response.text();
    if (response.status < 200 || response.status > 299) {
      const said = text.replace(/\s+/g, " ").trim().slice(0, 160);
      throw this.unavailable(what, `it answered ${response.status}${said ? `: ${said}` : ""}`);
    }
    if (text === "") return undefined;
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }

  private unavailable(what: string, reason: string): UserError {
    return new UserError("E_UNAVAILABLE", `could not ${what} in Alertmanager at ${this.host}: ${reason}`);
  }
}

function authorization(auth: SilenceAuth | undefined): Record<string, string> {
  if (!auth) return {};
  if (auth.type === "bearer") return { authorization: `Bearer ${auth.token}` };
  const pair = Buffer.from(`${auth.username}:${auth.password}`).toString("base64");
  return { authorization: `Basic ${pair}` };
}
