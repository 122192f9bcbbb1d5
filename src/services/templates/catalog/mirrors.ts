/**
 * Mirror rewriting for image and checksum URLs. Offline sites and the demo map an upstream prefix
 * (`https://cloud-images.ubuntu.com`) to their own (`http://127.0.0.1:8090/cloud-images.ubuntu.com`); the
 * longest matching prefix wins so a specific directory can be mapped apart from its host.
 */
export type MirrorMap = Readonly<Record<string, string>>;

/**
 * A prefix matches only at a path boundary: `https://a.example/x` rewrites `https://a.example/x/y` but not
 * `https://a.example/xy`. A prefix ending in `/` matches anything under it.
 */
function matches(url: string, prefix: string): boolean {
  if (!url.startsWith(prefix)) return false;
  if (prefix.endsWith("/") || url.length === prefix.length) return true;
  const next = url[prefix.length];
  return next === "/" || next === "?" || next === "#";
}

export function applyMirrors(url: string, mirrors: MirrorMap): string {
  let best: string | undefined;
  for (const prefix of Object.keys(mirrors)) {
    if (matches(url, prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
  }
  if (best === undefined) return url;
  const replacement = mirrors[best]!;
  const rest = url.slice(best.length);
  if (replacement.endsWith("/") && rest.startsWith("/")) return replacement + rest.slice(1);
  return replacement + rest;
}

/**
 * A URL fit for messages and logs: credentials in the authority and the query string (where signed
 * mirror URLs carry tokens) are left out.
 */
export function displayUrl(url: string): string {
  if (!URL.canParse(url)) return url.slice(0, 200);
  const parsed = new URL(url);
  parsed.username = "";
  parsed.password = "";
  const query = parsed.search !== "" ? "?…" : "";
  parsed.search = "";
  parsed.hash = "";
  return parsed.toString() + query;
}
