/**
 * Reads expected image digests from the vendors' checksum files over HTTPS (or the configured mirrors).
 * The default fetch verifies certificates with `rejectUnauthorized: true` of its own, so the environment
 * cannot turn verification off. Bodies are capped because a checksum file is small and a misconfigured
 * URL may point at a multi-gigabyte image.
 */
import { TransientError, UserError } from "../../services/errors.js";
import type { Clock, Log } from "../../services/ports.js";
import {
  type ChecksumSource,
  type ExpectedChecksum,
  findChecksum,
  imageFileName,
  lookupError,
} from "../../services/templates/catalog/checksums.js";
import { applyMirrors, displayUrl, type MirrorMap } from "../../services/templates/catalog/mirrors.js";
import type { CatalogEntry } from "../../services/templates/catalog/schema.js";
import { createVerifiedFetch } from "../verified-http.js";

export interface HttpChecksumSourceOptions {
  mirrors: MirrorMap;
  /** Defaults to a fetch that always verifies TLS certificates; tests may pass their own. */
  fetch?: typeof fetch;
  /** Per request, headers and body together. */
  timeoutMs: number;
  /** Largest checksum file accepted; SUMS files are a few kilobytes. */
  maxBytes: number;
  log: Log;
  clock?: Clock;
  /** How long a fetched file is reused; builds started together share one fetch. Default 60 s. */
  cacheTtlMs?: number;
}

interface Cached {
  text: string;
  fetchedAt: number;
}

export class HttpChecksumSource implements ChecksumSource {
  private readonly fetchFn: typeof fetch;
  private readonly clock: Clock;
  private readonly ttlMs: number;
  private readonly cache = new Map<string, Cached>();
  private readonly inFlight = new Map<string, Promise<string>>();

  constructor(private readonly options: HttpChecksumSourceOptions) {
    this.fetchFn = options.fetch ?? createVerifiedFetch().fetch;
    this.clock = options.clock ?? { now: () => Date.now() };
    this.ttlMs = options.cacheTtlMs ?? 60_000;
  }

  async expected(entry: CatalogEntry): Promise<ExpectedChecksum> {
    const imageUrl = applyMirrors(entry.imageUrl, this.options.mirrors);
    const spec = entry.checksum;
    if ("pinned" in spec) return { algorithm: spec.algorithm, value: spec.pinned.toLowerCase(), imageUrl };
    const checksumUrl = applyMirrors(spec.url, this.options.mirrors);
    const text = await this.text(checksumUrl);
    const fileName = imageFileName(entry.imageUrl);
    const lookup = findChecksum(text, fileName, spec.algorithm, { single: spec.format === "single" });
    if (!lookup.found) throw lookupError(lookup, fileName, spec.algorithm, displayUrl(checksumUrl));
    this.options.log.debug(
      { key: entry.key, checksumUrl: displayUrl(checksumUrl), algorithm: spec.algorithm },
      "expected image checksum read",
    );
    return { algorithm: spec.algorithm, value: lookup.value, checksumUrl, imageUrl };
  }

  /** Drops cached files, e.g. after an upstream change was announced. */
  clear(): void {
    this.cache.clear();
  }

  private async text(url: string): Promise<string> {
    const hit = this.cache.get(url);
    if (hit && this.clock.now() - hit.fetchedAt < this.ttlMs) return hit.text;
    const pending = this.inFlight.get(url);
    if (pending) return pending;
    const request = this.download(url).finally(() => this.inFlight.delete(url));
    this.inFlight.set(url, request);
    const text = await request;
    const now = this.clock.now();
    for (const [cached, entry] of this.cache)
      if (now - entry.fetchedAt >= this.ttlMs) this.cache.delete(cached);
    this.cache.set(url, { text, fetchedAt: now });
    return text;
  }

  private async download(url: string): Promise<string> {
    const shown = displayUrl(url);
    const failed = (why: string) => `checksum file ${shown} could not be fetched: ${why}`;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.options.timeoutMs);
    try {
      let response: Response;
      try {
        response = await this.fetchFn(url, { signal: controller.signal, redirect: "follow" });
      } catch (err) {
        throw new TransientError(
          failed(
            controller.signal.aborted ? `no answer within ${this.options.timeoutMs} ms` : networkReason(err),
          ),
          { cause: err },
        );
      }
      if (url.startsWith("https:") && response.url.startsWith("http:")) {
        await response.body?.cancel().catch(() => undefined);
        throw new UserError(
          "E_NOT_FOUND",
          failed("redirected to plain http, which would drop TLS protection"),
        );
      }
      if (!response.ok) {
        await response.body?.cancel().catch(() => undefined);
        const why = `HTTP ${response.status}`;
        if (response.status >= 500 || response.status === 429) throw new TransientError(failed(why));
        throw new UserError("E_NOT_FOUND", failed(why));
      }
      return await this.readCapped(response, failed, controller.signal);
    } finally {
      clearTimeout(timer);
    }
  }

  private async readCapped(
    response: Response,
    failed: (why: string) => string,
    signal: AbortSignal,
  ): Promise<string> {
    const max = this.options.maxBytes;
    const tooLarge = () =>
      new UserError("E_NOT_FOUND", failed(`larger than ${max} bytes; is the URL a checksum file?`));
    const declared = Number(response.headers.get("content-length") ?? Number.NaN);
    if (Number.isFinite(declared) && declared > max) {
      await response.body?.cancel().catch(() => undefined);
      throw tooLarge();
    }
    if (!response.body) return "";
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let total = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > max) {
          await reader.cancel().catch(() => undefined);
          throw tooLarge();
        }
        chunks.push(value);
      }
    } catch (err) {
      if (err instanceof UserError) throw err;
      const why = signal.aborted ? `no answer within ${this.options.timeoutMs} ms` : networkReason(err);
      throw new TransientError(failed(why), { cause: err });
    }
    return new TextDecoder("utf-8").decode(Buffer.concat(chunks));
  }
}

/**
 * A short reason from fetch's "fetch failed" wrapper: the cause's code (ECONNREFUSED,
 * DEPTH_ZERO_SELF_SIGNED_CERT, …). Messages are not repeated because some quote the URL in full.
 */
function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown } })?.cause;
  if (cause && typeof cause.code === "string") return cause.code;
  return err instanceof Error ? `network error (${err.name})` : "network error";
}
