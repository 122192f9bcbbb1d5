/**
 * Errors from discord.js carry the request URL, and interaction callbacks and webhooks put the interaction
 * token in it: a 15-minute credential to post as the app in that channel. Errors are logged through this,
 * with the token masked and the request body left out.
 */
const TOKEN_IN_PATH = /\/(interactions\/\d+|webhooks\/\d+)\/[^/?\s]+/g;

export function maskTokens(text: string): string {
  return text.replace(TOKEN_IN_PATH, "/$1/***");
}

export function loggableError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: maskTokens(String(err)) };
  const e = err as Error & { status?: unknown; code?: unknown; url?: unknown; method?: unknown };
  return {
    name: e.name,
    message: maskTokens(e.message),
    ...(typeof e.status === "number" ? { status: e.status } : {}),
    ...(e.code !== undefined ? { code: e.code } : {}),
    ...(typeof e.method === "string" ? { method: e.method } : {}),
    ...(typeof e.url === "string" ? { url: maskTokens(e.url) } : {}),
    ...(e.stack ? { stack: maskTokens(e.stack) } : {}),
  };
}
