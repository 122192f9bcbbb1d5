import { X509Certificate } from "node:crypto";
import { generate } from "selfsigned";

export interface SelfSignedCert {
  certPem: string;
  keyPem: string;
  /** SHA-256 fingerprint as the PVE GUI shows it: `AB:CD:…`. */
  fingerprint: string;
}

/**
 * A fresh self-signed certificate for the simulator, valid for the host it listens on (as an IP SAN
 * or a DNS SAN) plus localhost/127.0.0.1, so clients can verify it by pinning the PEM as their CA.
 */
export async function createSelfSignedCert(host: string): Promise<SelfSignedCert> {
  const isIp = /^[\d.]+$/.test(host) || host.includes(":");
  const altNames: Array<{ type: 2 | 7; value?: string; ip?: string }> = [
    { type: 2, value: "localhost" },
    { type: 7, ip: "127.0.0.1" },
  ];
  if (isIp && host !== "127.0.0.1") altNames.push({ type: 7, ip: host });
  if (!isIp && host !== "localhost") altNames.push({ type: 2, value: host });
  const now = Date.now();
  const pems = await generate(
    [
      { name: "commonName", value: "pve-sim.invalid" },
      { name: "organizationName", value: "PVE Cluster Node" },
    ],
    {
      keyType: "ec",
      curve: "P-256",
      algorithm: "sha256",
      notBeforeDate: new Date(now - 60_000),
      notAfterDate: new Date(now + 2 * 365 * 86_400_000),
      extensions: [
        { name: "basicConstraints", cA: true },
        { name: "keyUsage", digitalSignature: true, keyEncipherment: true, keyCertSign: true },
        { name: "extKeyUsage", serverAuth: true },
        { name: "subjectAltName", altNames },
      ],
    },
  );
  return {
    certPem: pems.cert,
    keyPem: pems.private,
    fingerprint: new X509Certificate(pems.cert).fingerprint256,
  };
}
