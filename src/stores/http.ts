/**
 * Read-only HTTP(S) store: key "a/.zarray" is `GET <base>/a/.zarray` (segments
 * percent-encoded, the base URL's query string kept for presigned URLs).
 *
 * - Ranges go out as `Range: bytes=a-b` / `bytes=a-` / `bytes=-n`. A server that ignores Range
 *   and answers 200 gets its body sliced here (offset ranges stop reading once enough bytes came);
 *   a 206 is checked against its Content-Range; 416 means the key exists but the range starts
 *   at or past its end, so it yields no bytes — the same clamping every store applies.
 * - Only 404 means "missing" (→ undefined). Every other non-2xx status, including the 403 that
 *   S3 returns for missing keys when listing is not allowed, throws a StoreError naming the status
 *   and URL: guessing "missing" there would turn a permissions problem into silent fill values.
 * - `list` is impossible over plain HTTP and throws; open hierarchies through consolidated metadata.
 * @module
 */
import { StoreError } from "../format/errors.js";
import { checkKey, checkPrefix, checkRange, resolveRange } from "./keys.js";
import type { ByteRange, ReadableStore } from "./types.js";

/** Options of {@link openHttpStore}. */
export interface HttpStoreOptions {
  /** fetch implementation (default: the global fetch). */
  fetch?: typeof globalThis.fetch;
  /** Extra request headers (authorization...). */
  headers?: Record<string, string>;
}

/** The `Range` header value for a non-empty range. */
export function rangeHeader(range: ByteRange): string {
  if ("suffix" in range) return `bytes=-${range.suffix}`;
  return range.length === undefined ? `bytes=${range.offset}-` : `bytes=${range.offset}-${range.offset + range.length - 1}`;
}

/** Read a response body, stopping (and cancelling the rest) once `limit` bytes arrived. */
async function readBody(res: Response, limit: number, key: string, url: string): Promise<Uint8Array> {
  if (res.body === null) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let n = 0;
  try {
    while (n < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      n += value.length;
    }
    if (n >= limit) await reader.cancel().catch(() => {});
  } catch (e) {
    throw new StoreError(`reading the body of GET ${url} failed: ${(e as Error).message}`, key, { cause: e });
  }
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** Drop a response body we do not need so the connection can be reused. */
const discard = (res: Response) => res.body?.cancel().catch(() => {});

/** Open a read-only store over `baseUrl` (http: or https:). */
export function openHttpStore(baseUrl: string, options: HttpStoreOptions = {}): ReadableStore {
  let base: URL;
  try {
    base = new URL(baseUrl);
  } catch {
    throw new StoreError(`invalid URL ${JSON.stringify(baseUrl)}`);
  }
  if (base.protocol !== "http:" && base.protocol !== "https:") {
    throw new StoreError(`not an http(s) URL: ${baseUrl}`);
  }
  base.hash = "";
  if (!base.pathname.endsWith("/")) base.pathname += "/";
  const fetchFn = options.fetch ?? globalThis.fetch;
  const userHeaders = options.headers ?? {};

  const keyUrl = (key: string): string => {
    const u = new URL(base.href);
    u.pathname = base.pathname + checkKey(key).split("/").map(encodeURIComponent).join("/");
    return u.href;
  };

  async function get(key: string, range?: ByteRange): Promise<Uint8Array | undefined> {
    const url = keyUrl(key);
    if (range !== undefined) checkRange(range, key);
    // "bytes=-0" and zero-length ranges are not expressible; ask for one byte just to learn
    // whether the key exists.
    const empty = range !== undefined && ("suffix" in range ? range.suffix === 0 : range.length === 0);
    const headers = new Headers(userHeaders);
    // (fetch itself adds "Accept-Encoding: identity" to ranged requests, as the Fetch standard
    // requires, so a range never cuts into a gzip-encoded representation.)
    if (range !== undefined) headers.set("range", empty ? "bytes=0-0" : rangeHeader(range));
    let res: Response;
    try {
      res = await fetchFn(url, { headers, redirect: "follow" });
    } catch (e) {
      throw new StoreError(`GET ${url} failed: ${(e as Error).message}`, key, { cause: e });
    }
    if (res.status === 404) {
      await discard(res);
      return undefined;
    }
    if (res.status === 416 && range !== undefined) {
      await discard(res);
      return new Uint8Array(0);
    }
    if (!res.ok) {
      await discard(res);
      const hint =
        res.status === 403
          ? " (S3-like servers answer 403 for missing keys when listing is not permitted; only 404 is read as missing)"
          : "";
      throw new StoreError(`HTTP ${res.status}${res.statusText ? " " + res.statusText : ""} for GET ${url}${hint}`, key);
    }
    if (range === undefined) return readBody(res, Infinity, key, url);
    if (empty) {
      await discard(res);
      return new Uint8Array(0);
    }
    if (res.status !== 206) {
      // The server ignored Range and sent everything: slice here.
      const limit = "suffix" in range || range.length === undefined ? Infinity : range.offset + range.length;
      const body = await readBody(res, limit, key, url);
      const [s, e] = resolveRange(body.length, range, key);
      return body.slice(s, e);
    }
    return sliceRangedBody(res, range, key, url);
  }

  return {
    url: base.href,
    get,
    async *list(prefix: string): AsyncGenerator<string> {
      checkPrefix(prefix);
      throw new StoreError(
        `cannot list keys over plain HTTP (${base.href}); open the hierarchy through consolidated ` +
          "metadata (.zmetadata for Zarr v2, consolidated_metadata in zarr.json for v3) or name the array's path",
        prefix,
      );
    },
    async close() {},
  };
}

/** Extract the requested range from a 206 body using its Content-Range. */
async function sliceRangedBody(res: Response, range: ByteRange, key: string, url: string): Promise<Uint8Array> {
  const cr = res.headers.get("content-range");
  const body = await readBody(res, Infinity, key, url);
  if (cr === null) {
    // Non-conforming but common enough: trust that the body is what we asked for.
    return "suffix" in range || range.length === undefined ? body : body.slice(0, range.length);
  }
  const m = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(cr.trim());
  if (!m) throw new StoreError(`unparseable Content-Range ${JSON.stringify(cr)} for GET ${url}`, key);
  const first = Number(m[1]);
  const last = Number(m[2]);
  if (last < first || body.length !== last - first + 1) {
    throw new StoreError(`Content-Range ${cr} does not match the ${body.length}-byte body of GET ${url}`, key);
  }
  let start: number;
  let end: number;
  if (m[3] !== "*") [start, end] = resolveRange(Number(m[3]), range, key);
  else if ("suffix" in range) [start, end] = [first, last + 1]; // total unknown: take what came
  else [start, end] = [range.offset, range.length === undefined ? last + 1 : Math.min(last + 1, range.offset + range.length)];
  if (start < first || end > last + 1) {
    throw new StoreError(`server sent bytes ${first}-${last} but ${start}-${end - 1} were asked for (GET ${url})`, key);
  }
  return body.slice(start - first, end - first);
}
