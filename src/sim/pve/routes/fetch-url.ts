import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

/** The simulator keeps downloads in memory; a cloud image served by the test mirror is far smaller. */
export const MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024;

export type FetchOutcome = { ok: true; bytes: Buffer } | { ok: false; log: string[]; exitCode: number };

/**
 * GET `url` as the node's `wget` would (redirects followed, TLS verified unless turned off), for
 * download-url. Failures come back with wget's exit codes: 4 network, 5 TLS, 8 an HTTP error answer.
 */
export function fetchUrl(url: string, verifyCertificates: boolean, redirects = 5): Promise<FetchOutcome> {
  return new Promise((resolve) => {
    const target = new URL(url);
    const request = target.protocol === "https:" ? httpsRequest : httpRequest;
    const req = request(target, { method: "GET", rejectUnauthorized: verifyCertificates }, (res) => {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (status >= 300 && status < 400 && location && redirects > 0) {
        res.resume();
        fetchUrl(new URL(location, target).toString(), verifyCertificates, redirects - 1).then(resolve);
        return;
      }
      if (status !== 200) {
        res.resume();
        resolve({ ok: false, exitCode: 8, log: [`ERROR ${status}: ${res.statusMessage ?? ""}.`] });
        return;
      }
      const chunks: Buffer[] = [];
      let length = 0;
      res.on("data", (c: Buffer) => {
        length += c.length;
        if (length > MAX_DOWNLOAD_BYTES) {
          req.destroy();
          resolve({
            ok: false,
            exitCode: 3,
            log: [`simulator: ${url} is larger than ${MAX_DOWNLOAD_BYTES} bytes`],
          });
          return;
        }
        chunks.push(c);
      });
      res.on("end", () => resolve({ ok: true, bytes: Buffer.concat(chunks) }));
      res.on("error", (e) => resolve({ ok: false, exitCode: 4, log: [`read error: ${e.message}`] }));
    });
    req.on("error", (e: NodeJS.ErrnoException) => {
      const tls = /CERT|SSL|TLS|self.signed/i.test(`${e.code ?? ""} ${e.message}`);
      resolve({
        ok: false,
        exitCode: tls ? 5 : 4,
        log: [
          tls ? `ERROR: cannot verify ${target.host}'s certificate: ${e.message}` : `failed: ${e.message}.`,
        ],
      });
    });
    req.end();
  });
}
