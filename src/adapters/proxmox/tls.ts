/**
 * Certificate trust for the PVE connection. Verification is never turned off, and every option set here
 * says `rejectUnauthorized: true` explicitly, so the environment variable that turns the default off (it
 * only changes Node's default) cannot switch it off. There are three ways to trust a node:
 * - no setting: the system CAs (a node with a public ACME certificate);
 * - `caPem`: only that CA (e.g. /etc/pve/pve-root-ca.pem), with the usual host name check;
 * - `fingerprint`: the certificate whose SHA-256 matches the pin. Node only runs `checkServerIdentity`
 *   once the chain verified, so a probe connection (no data sent) first reads the presented certificate;
 *   if its fingerprint is the pinned one it becomes the only trust anchor. Every later handshake must
 *   chain to that anchor AND present a certificate with the pinned fingerprint (`checkServerIdentity`),
 *   and TLS sessions are not resumed (a resumed handshake skips `checkServerIdentity`), so a certificate
 *   that changes after the first connection is refused before a request is written.
 *
 * Limits: the pin covers the leaf certificate (what the PVE GUI shows under Certificates); a renewed
 * certificate needs a new pin. `allowPartialTrustChain` needs Node 20.18 or newer.
 */

import { X509Certificate } from "node:crypto";
import type { AgentOptions } from "node:https";
import type { PeerCertificate } from "node:tls";
import { checkServerIdentity, connect } from "node:tls";
import { PveNetworkError } from "./errors.js";

export interface TlsSettings {
  caPem?: string | undefined;
  /** Upper-case colon hex SHA-256, as PVE shows it. */
  fingerprint?: string | undefined;
}

function pinMismatch(expected: string, got: string | undefined): PveNetworkError {
  return new PveNetworkError(
    "TLS",
    "/",
    "tls",
    "E_PVE_PIN_MISMATCH",
    `the certificate's SHA-256 fingerprint is ${got ?? "unknown"}, not the configured ${expected}`,
  );
}

/** Reads the certificate a server presents, with normal verification; the handshake result is ignored. */
export function readPeerCertificate(host: string, port: number, timeoutMs: number): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    let captured: PeerCertificate | undefined;
    // The probe's verdict is not used (a pinned self-signed certificate fails it); no data is written.
    const socket = connect({
      host,
      port,
      servername: isIp(host) ? undefined : host,
      rejectUnauthorized: true,
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new PveNetworkError("TLS", "/", "timeout", "ETIMEDOUT", `no TLS handshake within ${timeoutMs} ms`),
      );
    }, timeoutMs);
    const finish = (err?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (captured?.raw) resolve(captured);
      else {
        const code = (err as { code?: string } | undefined)?.code ?? "ECONNRESET";
        reject(new PveNetworkError("TLS", "/", "connect", code, err?.message ?? "no certificate presented"));
      }
    };
    socket.prependListener("secure", () => {
      captured = socket.getPeerCertificate(true);
    });
    socket.once("secureConnect", () => finish());
    socket.once("error", finish);
  });
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(":");
}

/**
 * Builds the https.Agent options for one PVE endpoint. For a pin, the probe runs on the first call; call
 * again after a TLS failure to re-read the certificate (a renewed one is then reported as a mismatch).
 */
export async function trustOptions(
  host: string,
  port: number,
  settings: TlsSettings,
  timeoutMs: number,
): Promise<AgentOptions> {
  const pin = settings.fingerprint;
  const pinCheck = (hostname: string, cert: PeerCertificate, alsoHost: boolean): Error | undefined => {
    if (pin && cert.fingerprint256 !== pin) return pinMismatch(pin, cert.fingerprint256);
    return alsoHost ? checkServerIdentity(hostname, cert) : undefined;
  };
  if (settings.caPem) {
    return {
      ca: settings.caPem,
      rejectUnauthorized: true,
      checkServerIdentity: (h, c) => pinCheck(h, c, true),
      ...(pin ? { maxCachedSessions: 0 } : {}),
    };
  }
  if (!pin) return { rejectUnauthorized: true };
  const presented = await readPeerCertificate(host, port, timeoutMs);
  if (presented.fingerprint256 !== pin) throw pinMismatch(pin, presented.fingerprint256);
  const anchor = new X509Certificate(presented.raw).toString();
  return {
    ca: anchor,
    allowPartialTrustChain: true,
    rejectUnauthorized: true,
    maxCachedSessions: 0,
    // The pin is the identity: PVE node certificates often name only the node, not the URL's host.
    checkServerIdentity: (h, c) => pinCheck(h, c, false),
  } as AgentOptions;
}
