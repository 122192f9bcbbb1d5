/**
 * The few Discord REST calls registration makes, on the global fetch: the bot token in the Authorization
 * header only (never in a message), a 429 waited out as Discord says (a few times), any other failure an
 * error naming the call, the status and Discord's own message.
 */

export interface DiscordRestOptions {
  /** E.g. https://discord.com/api/v10 (`DISCORD_API_URL`). */
  apiUrl: string;
  token: string;
  /** The bot's version, for the User-Agent Discord asks bots to send. */
  version: string;
  fetch?: typeof fetch;
  /** Longest wait on a 429 before giving up. */
  maxRetryMs?: number;
}

export class DiscordRestError extends Error {
  constructor(
    readonly call: string,
    readonly status: number,
    detail: string,
  ) {
    super(`Discord refused ${call}: HTTP ${status}${detail ? ` (${detail})` : ""}`);
  }
}

const ATTEMPTS = 4;
const TIMEOUT_MS = 15_000;

export async function discordRest(
  options: DiscordRestOptions,
  method: "GET" | "PUT",
  route: string,
  body?: unknown,
): Promise<unknown> {
  const doFetch = options.fetch ?? fetch;
  const call = `${method} ${route}`;
  for (let attempt = 1; ; attempt++) {
    const res = await doFetch(`${options.apiUrl.replace(/\/+$/, "")}${route}`, {
      method,
      headers: {
        authorization: `Bot ${options.token}`,
        "user-agent": `DiscordBot (https://github.com/proxmox-chatops, ${options.version})`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const text = await res.text();
    const parsed = parseJson(text);
    if (res.ok) return parsed;
    if (res.status === 429 && attempt < ATTEMPTS) {
      const seconds = Number(
        (parsed as { retry_after?: unknown } | undefined)?.retry_after ?? res.headers.get("retry-after"),
      );
      const waitMs = Math.ceil((Number.isFinite(seconds) ? seconds : 1) * 1000);
      if (waitMs <= (options.maxRetryMs ?? 10_000)) {
        await new Promise((resolve) => setTimeout(resolve, waitMs));
        continue;
      }
    }
    throw new DiscordRestError(call, res.status, describe(res.status, parsed));
  }
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

function describe(status: number, body: unknown): string {
  if (status === 401) return "the bot token was not accepted";
  const message = (body as { message?: unknown } | undefined)?.message;
  const errors = (body as { errors?: unknown } | undefined)?.errors;
  const parts = [typeof message === "string" ? message.slice(0, 200) : ""];
  if (errors) parts.push(JSON.stringify(errors).slice(0, 300));
  return parts.filter(Boolean).join(": ");
}
