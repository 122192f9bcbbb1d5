/**
 * A chat platform's token goes with every API call, so plain http (or ws) is accepted only where it never
 * crosses a network: a fake platform on the same host (the tests, the demo). Anything else must use TLS.
 */
export function clearTextOnlyOnLoopback(url: string): boolean {
  if (!/^(http|ws):\/\//.test(url)) return true;
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return false;
  }
  return host === "localhost" || host === "[::1]" || /^127(\.\d{1,3}){3}$/.test(host);
}
