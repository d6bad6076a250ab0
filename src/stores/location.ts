/**
 * Locations: one string naming a store and a node inside it, as users type them on the
 * command line.
 *
 * - a directory path (`data/x.zarr`) → filesystem store
 * - a zip file path (`x.zarr.zip`, or any existing regular file) → zip store (root folder auto-detected)
 * - an `http://` / `https://` URL → read-only HTTP store
 * - a `file://` URL → as the path it names
 *
 * An optional `#path/in/store` suffix selects a node inside the store. In URLs it is the URL
 * fragment and is percent-decoded (`#my%20group`); after a plain path it is taken literally,
 * and a plain path that itself exists with a '#' in its name is taken whole (use a `file://`
 * URL with `%23` to force a literal '#'). Leading and trailing '/' of the inner path are
 * dropped ("#/grp/" → "grp"); anything else must be a valid key.
 * @module
 */
import { existsSync, promises as fsp } from "node:fs";
import { fileURLToPath } from "node:url";
import { StoreError, UnsupportedError } from "../format/errors.js";
import { openFsStore } from "./fs.js";
import { openHttpStore } from "./http.js";
import { checkKey } from "./keys.js";
import type { ReadableStore, Store } from "./types.js";
import { openZipStore } from "./zip.js";

/** How a location is opened: "r" read-only; "w" create (zip files are truncated, as zarr-python's ZipStore does); "a" read/write, creating when missing. */
export type LocationMode = "r" | "w" | "a";

/** A location split into where the store is and the node path inside it. */
export type ParsedLocation =
  | { kind: "file"; file: string; path: string }
  | { kind: "http"; url: string; path: string };

/** An opened location. */
export interface OpenedLocation<S extends ReadableStore = ReadableStore> {
  store: S;
  /** Path of the selected node inside the store ('' for the root). */
  path: string;
}

/** Validate an inner path, dropping leading/trailing '/'. */
function innerPath(raw: string, location: string): string {
  const p = raw.replace(/^\/+/, "").replace(/\/+$/, "");
  if (p === "") return "";
  try {
    return checkKey(p, "path inside the store");
  } catch (e) {
    throw new StoreError(`bad location ${JSON.stringify(location)}: ${(e as Error).message}`, p, { cause: e });
  }
}

/** Decode a URL fragment (without '#'). */
function fragment(hash: string, location: string): string {
  try {
    return innerPath(decodeURIComponent(hash.replace(/^#/, "")), location);
  } catch (e) {
    if (e instanceof StoreError) throw e;
    throw new StoreError(`bad location ${JSON.stringify(location)}: malformed percent-encoding in fragment`);
  }
}

/** Split a location into store target and inner path, without opening anything. */
export function parseLocation(location: string): ParsedLocation {
  if (typeof location !== "string" || location === "") throw new StoreError("empty location");
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]+):\/\//.exec(location)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    // Plain path (a drive letter "C:\\..." has a one-letter scheme and lands here too).
    const cut = location.indexOf("#");
    if (cut < 0 || existsSync(location)) return { kind: "file", file: location, path: "" };
    return { kind: "file", file: location.slice(0, cut), path: innerPath(location.slice(cut + 1), location) };
  }
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    throw new StoreError(`invalid URL ${JSON.stringify(location)}`);
  }
  const path = fragment(url.hash, location);
  url.hash = "";
  if (scheme === "http" || scheme === "https") return { kind: "http", url: url.href, path };
  if (scheme === "file") {
    try {
      return { kind: "file", file: fileURLToPath(url), path };
    } catch (e) {
      throw new StoreError(`bad file URL ${JSON.stringify(location)}: ${(e as Error).message}`);
    }
  }
  throw new UnsupportedError("location scheme", `${scheme}:// (use a path, file://, http:// or https://)`);
}

const isZipName = (p: string) => /\.zip$/i.test(p);

/**
 * Open the store a location names and return it with the inner node path.
 * Read mode ("r", the default) gives a read-only store; "w"/"a" give a writable one
 * (HTTP locations are read-only).
 */
export async function openLocation(location: string, options?: { mode?: "r" }): Promise<OpenedLocation>;
export async function openLocation(location: string, options: { mode: "w" | "a" }): Promise<OpenedLocation<Store>>;
export async function openLocation(location: string, options: { mode?: LocationMode } = {}): Promise<OpenedLocation> {
  const mode = options.mode ?? "r";
  if (mode !== "r" && mode !== "w" && mode !== "a") throw new StoreError(`invalid mode ${JSON.stringify(mode)}`);
  const loc = parseLocation(location);
  if (loc.kind === "http") {
    if (mode !== "r") throw new StoreError(`HTTP locations are read-only: ${loc.url}`);
    if (isZipName(new URL(loc.url).pathname)) {
      throw new UnsupportedError("zip over HTTP", `download ${loc.url} and open the local file`);
    }
    return { store: openHttpStore(loc.url), path: loc.path };
  }
  const st = await fsp.stat(loc.file).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return undefined;
    throw new StoreError(`cannot open ${loc.file}: ${e.message}`, undefined, { cause: e });
  });
  if (st?.isDirectory()) {
    const store = mode === "r" ? await openFsStore(loc.file, { readOnly: true }) : await openFsStore(loc.file, { create: true });
    return { store, path: loc.path };
  }
  if (st !== undefined || isZipName(loc.file)) {
    if (st === undefined && mode === "r") throw new StoreError(`no such file: ${loc.file}`);
    const store = mode === "r" ? await openZipStore(loc.file, { mode: "r" }) : await openZipStore(loc.file, { mode });
    return { store, path: loc.path };
  }
  if (mode === "r") throw new StoreError(`no such file or directory: ${loc.file}`);
  return { store: await openFsStore(loc.file, { create: true }), path: loc.path };
}
