/**
 * A stand-in for the vendors' download servers, for tests and the demo. Every catalog image and checksum
 * file is served under `<url>/<upstream host>/<upstream path>`, so putting `mirrors` into
 * `templates.catalog.mirrors` sends the bot here instead of the internet. Image bytes are small and
 * deterministic and the listed digests are their real digests, so a downloader that verifies (as PVE does)
 * succeeds; `setChecksum` makes the listing disagree, `publishBuild` ships a new image under the same URL.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { ImageCatalog } from "../../services/templates/catalog/catalog.js";
import { imageFileName } from "../../services/templates/catalog/checksums.js";
import type { CatalogEntry } from "../../services/templates/catalog/schema.js";
import { digestOf, type ListedImage, renderChecksumFile, simulatedImage } from "./render.js";

export interface ChecksumMirrorOptions {
  catalog: ImageCatalog | readonly CatalogEntry[];
  host?: string;
  port?: number;
  /** PEM key and certificate; the mirror then speaks HTTPS. */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

export interface ChecksumMirror {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Upstream origin → mirror prefix, ready for `templates.catalog.mirrors`. */
  mirrors: Record<string, string>;
  /** The digest the mirror currently lists for an image. */
  checksumFor(key: string): string;
  /** Lists `hex` for the image from now on while serving the same bytes: an upstream mismatch. */
  setChecksum(key: string, hex: string): void;
  /** A new upstream build under the same URL: new bytes and their digest. Returns the new digest. */
  publishBuild(key: string): string;
  /** Serves the image in another format than its catalog entry names (a wrong catalog entry). */
  serveFormat(key: string, format: "qcow2" | "raw"): void;
  /** The bytes currently served for an image. */
  imageBytes(key: string): Buffer;
  /** Answers `status` for `path` (a mirror path, mirror URL or upstream URL) until `heal(path)`. */
  fail(path: string, status: number): void;
  heal(path: string): void;
  /** GET/HEAD requests seen for a path, failed ones included. */
  requests(path: string): number;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  body: string | Buffer;
  type?: string;
}

interface Served {
  entry: CatalogEntry;
  build: number;
  override?: string;
  format?: "qcow2" | "raw";
}

function mirrorPath(upstream: string): string {
  const u = new URL(upstream);
  return `/${u.host}${u.pathname}`;
}

export async function startChecksumMirror(options: ChecksumMirrorOptions): Promise<ChecksumMirror> {
  const entries = "all" in options.catalog ? options.catalog.all() : options.catalog;
  const images = new Map<string, Served>();
  const imagePaths = new Map<string, string>();
  const checksumPaths = new Map<
    string,
    { spec: Extract<CatalogEntry["checksum"], { url: string }>; keys: string[] }
  >();
  const origins = new Set<string>();
  for (const entry of entries) {
    images.set(entry.key, { entry, build: 1 });
    imagePaths.set(mirrorPath(entry.imageUrl), entry.key);
    origins.add(new URL(entry.imageUrl).origin);
    if ("url" in entry.checksum) {
      const path = mirrorPath(entry.checksum.url);
      const group = checksumPaths.get(path) ?? { spec: entry.checksum, keys: [] };
      group.keys.push(entry.key);
      checksumPaths.set(path, group);
      origins.add(new URL(entry.checksum.url).origin);
    }
  }
  const failures = new Map<string, number>();
  const counts = new Map<string, number>();

  const served = (key: string): Served => {
    const s = images.get(key);
    if (!s) throw new Error(`the mirror serves no image '${key}'`);
    return s;
  };
  const bytesOf = (s: Served): Buffer => simulatedImage(s.entry, s.build, s.format);
  const digest = (s: Served): string => s.override ?? digestOf(s.entry.checksum.algorithm, bytesOf(s));

  const answer = (method: string | undefined, path: string): Answer => {
    if (method !== "GET" && method !== "HEAD") return { status: 405, body: "method not allowed\n" };
    const failure = failures.get(path);
    if (failure !== undefined) return { status: failure, body: `simulated failure ${failure}\n` };
    const group = checksumPaths.get(path);
    if (group) {
      const listed: ListedImage[] = group.keys.map((key) => {
        const s = served(key);
        const size = bytesOf(s).byteLength;
        return { entry: s.entry, fileName: imageFileName(s.entry.imageUrl), digest: digest(s), size };
      });
      return { status: 200, body: renderChecksumFile(group.spec, listed) };
    }
    const imageKey = imagePaths.get(path);
    if (imageKey) {
      const bytes = bytesOf(served(imageKey));
      return { status: 200, body: bytes, type: "application/octet-stream" };
    }
    return { status: 404, body: "not found\n" };
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://mirror").pathname);
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const { status, body, type } = answer(req.method, path);
    const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
    res.writeHead(status, {
      "content-type": type ?? "text/plain; charset=utf-8",
      "content-length": bytes.byteLength,
    });
    res.end(req.method === "HEAD" ? undefined : bytes);
  };

  const server: Server = options.tls
    ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handle)
    : createHttpServer(handle);
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `${options.tls ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const mirrors = Object.fromEntries([...origins].map((o) => [o, `${url}/${new URL(o).host}`]));

  const toPath = (p: string): string => {
    if (!/^https?:\/\//.test(p)) return p;
    return p.startsWith(url) ? decodeURIComponent(new URL(p).pathname) : decodeURIComponent(mirrorPath(p));
  };

  return {
    url,
    mirrors,
    checksumFor: (key) => digest(served(key)),
    setChecksum(key, hex) {
      const s = served(key);
      const length = s.entry.checksum.algorithm === "sha256" ? 64 : 128;
      if (!new RegExp(`^[0-9a-f]{${length}}$`).test(hex)) {
        throw new Error(`'${key}' uses ${s.entry.checksum.algorithm}: give ${length} lowercase hex digits`);
      }
      s.override = hex;
    },
    publishBuild(key) {
      const s = served(key);
      s.build += 1;
      delete s.override;
      return digest(s);
    },
    serveFormat(key, format) {
      served(key).format = format;
    },
    imageBytes: (key) => bytesOf(served(key)),
    fail: (path, status) => failures.set(toPath(path), status),
    heal: (path) => failures.delete(toPath(path)),
    requests: (path) => counts.get(toPath(path)) ?? 0,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
