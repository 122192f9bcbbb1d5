/**
 * The health checks the bot runs itself against an updated VM: an HTTP GET (any 2xx passes) and a TCP
 * connect. No redirects are followed and no body is kept: the answer of the service is all that counts.
 */
import { connect } from "node:net";
import type { HealthProbes } from "../../services/updates/deps.js";

export function createHealthProbes(): HealthProbes {
  return {
    async http(url, timeoutMs) {
      const response = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
      await response.body?.cancel();
      return response.status;
    },
    tcp: (host, port, timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        const socket = connect({ host, port });
        const timer = setTimeout(() => {
          socket.destroy();
          reject(new Error(`no connection within ${timeoutMs} ms`));
        }, timeoutMs);
        socket.once("connect", () => {
          clearTimeout(timer);
          socket.end();
          resolve();
        });
        socket.once("error", (err) => {
          clearTimeout(timer);
          reject(err);
        });
      }),
  };
}
