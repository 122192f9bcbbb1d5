/** Test certificates: a root CA with a node certificate for 127.0.0.1 (like PVE), and an unrelated one. */
import { X509Certificate } from "node:crypto";
import selfsigned from "selfsigned";

export interface TestPki {
  caCert: string;
  leafKey: string;
  leafCert: string;
  leafFingerprint: string;
  /** Another node certificate from the same CA, for the node's certificate changing under a pin. */
  secondLeafKey: string;
  secondLeafCert: string;
  otherCaCert: string;
}

const caExtensions = [
  { name: "basicConstraints" as const, cA: true },
  { name: "keyUsage" as const, keyCertSign: true, cRLSign: true },
];

export async function makePki(): Promise<TestPki> {
  const opts = { keyType: "ec" as const, algorithm: "sha256" };
  const ca = await selfsigned.generate([{ name: "commonName", value: "Test PVE Root CA" }], {
    ...opts,
    extensions: caExtensions,
  });
  const nodeCert = () =>
    selfsigned.generate([{ name: "commonName", value: "pve1" }], {
      ...opts,
      ca: { key: ca.private, cert: ca.cert },
      extensions: [
        {
          name: "subjectAltName",
          altNames: [
            { type: 2, value: "pve1" },
            { type: 7, ip: "127.0.0.1" },
          ],
        },
      ],
    });
  const leaf = await nodeCert();
  const second = await nodeCert();
  const other = await selfsigned.generate([{ name: "commonName", value: "Someone Else CA" }], {
    ...opts,
    extensions: caExtensions,
  });
  return {
    caCert: ca.cert,
    leafKey: leaf.private,
    leafCert: leaf.cert,
    leafFingerprint: new X509Certificate(leaf.cert).fingerprint256,
    secondLeafKey: second.private,
    secondLeafCert: second.cert,
    otherCaCert: other.cert,
  };
}
