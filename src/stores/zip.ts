/**
 * Zip store, compatible with zarr-python 2's `zarr.ZipStore` (one zip entry per key).
 *
 * Reading: any zip with STORED or DEFLATE entries, zip64 included. A ranged `get` of a STORED
 * entry reads only those bytes; a DEFLATE entry is inflated whole (into at most its declared
 * size) and then sliced. Entry names that are absolute, contain '..', backslashes, NUL or other
 * control characters are refused with a StoreError when the archive is opened (zip-slip), so
 * `list` can never hand out a key that escapes a directory it is extracted into.
 *
 * Writing (`mode: "w"` truncates, `"a"` appends to an existing archive or creates one): like
 * Python's zipfile, each `set` writes its local header and data to disk at once (nothing is kept
 * in memory but the index), and `close()` writes the central directory — **`close()` is
 * required**, without it the archive has no directory and is unreadable, exactly as with
 * zarr-python. Writing a key twice appends a second entry; on read the last one wins (Python's
 * zipfile does the same and warns "Duplicate name"). Zip archives cannot remove entries, so
 * `delete` of an existing key throws (zarr-python raises NotImplementedError); deleting a missing
 * key is a no-op per the store contract.
 *
 * Layouts: entries may sit at the top of the archive ("zipped from within") or below one folder
 * ("zipped from the parent": `data.zarr/.zgroup`, ...). `prefix` selects the folder; when it is
 * not given the store uses {@link detectZipRoot}.
 *
 * Why hand-written instead of yauzl/yazl (both installed): append mode must know where the old
 * central directory starts in order to write over it the way Python does, and reading back an
 * entry while the archive is still being written needs each entry's data offset; yazl exposes
 * neither and cannot append, and yauzl rejects a bad entry name with a plain Error for the whole
 * archive and would add a second, stream-based read path beside the positional one needed for
 * entries written in this session. The format subset needed here (EOCD, zip64 EOCD/locator,
 * central and local headers, zip64 extra field) is small; the data itself goes through Node's
 * zlib (raw deflate, crc32).
 * @module
 */
import { promises as fsp } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import zlib from "node:zlib";
import { constants as bufferConstants } from "node:buffer";
import { StoreError, UnsupportedError } from "../format/errors.js";
import { checkKey, keyProblem, resolveRange, splitPrefix } from "./keys.js";
import type { ByteRange, ReadableStore, Store } from "./types.js";

/** Options of {@link openZipStore}. */
export interface ZipStoreOptions {
  /** "r" read (default), "w" create/truncate and write, "a" append to an existing archive (or create it). */
  mode?: "r" | "w" | "a";
  /**
   * Folder inside the archive that is the store root ("data.zarr" or "data.zarr/"); "" for the
   * top of the archive. Default: {@link detectZipRoot} on the existing entries ("" for new archives).
   */
  prefix?: string;
  /** Compression of written entries: "stored" (default, like zarr.ZipStore) or "deflate". */
  compression?: "stored" | "deflate";
  /** zlib level for "deflate" (-1 = zlib default, as Python uses). */
  level?: number;
  /** Write zip64 records for every entry and the archive even when not needed (mainly for testing readers). */
  forceZip64?: boolean;
}

/** Extra facts a zip store exposes. */
export interface ZipStoreInfo {
  /** The root folder inside the archive ("" or "name/"). */
  readonly prefix: string;
  /** Absolute path of the archive. */
  readonly path: string;
  /** Write the central directory (writers) and release the file. Idempotent; required after writing. */
  close(): Promise<void>;
}

/** A zip store opened for reading. */
export type ReadableZipStore = ReadableStore & ZipStoreInfo;
/** A zip store opened for writing. */
export type WritableZipStore = Store & ZipStoreInfo;

const META_NAMES = new Set([".zgroup", ".zarray", "zarr.json"]);

/**
 * Pick the store root inside a zip from its entry names: "" when the top of the archive holds
 * `.zgroup`/`.zarray`/`zarr.json`; otherwise `"<folder>/"` when exactly one top-level folder holds
 * one of them and every entry lies in that folder (macOS `__MACOSX/` entries ignored); else "".
 * Used by {@link openZipStore} and by location parsing.
 */
export function detectZipRoot(names: Iterable<string>): string {
  const tops = new Set<string>();
  const withMeta = new Set<string>();
  for (const n of names) {
    if (n.startsWith("__MACOSX/")) continue;
    const parts = n.split("/");
    // Metadata at the top means "zipped from within"; any other top-level file means the
    // archive is not one folder either way.
    if (parts.length === 1) return "";
    tops.add(parts[0]);
    if (parts.length === 2 && META_NAMES.has(parts[1])) withMeta.add(parts[0]);
  }
  if (tops.size !== 1 || withMeta.size !== 1) return "";
  return [...withMeta][0] + "/";
}

// ---------------------------------------------------------------------------------------------
// Format constants and small helpers

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_LOC64 = 0x07064b50;
const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;
const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;
const FLAG_ENCRYPTED = 0x1;
const FLAG_UTF8 = 0x800;
/** Unix "-rw-r--r--", as zarr.ZipStore sets for keys. */
const EXTERNAL_ATTR = (0o100644 << 16) >>> 0;
/** deflate cannot expand more than ~1032:1; a larger declared size is a lie (zip bomb guard). */
const MAX_DEFLATE_RATIO = 1032;

/** CP437 code points 0x80..0xFF (names without the UTF-8 flag, as Python's zipfile decodes them). */
const CP437_HIGH =
  "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0";

const utf8 = new TextDecoder("utf-8", { fatal: true });
const utf8Encoder = new TextEncoder();

const inflateRaw = promisify(zlib.inflateRaw) as (b: Uint8Array, o: zlib.ZlibOptions) => Promise<Buffer>;
const deflateRaw = promisify(zlib.deflateRaw) as (b: Uint8Array, o: zlib.ZlibOptions) => Promise<Buffer>;

/** CRC-32 via zlib (Node ≥ 20.15); the table fallback keeps older Node 20 releases working. */
const crc32: (d: Uint8Array) => number =
  typeof zlib.crc32 === "function" ? (d) => zlib.crc32(d) >>> 0 : tableCrc32;

let crcTable: Uint32Array | undefined;
function tableCrc32(d: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < d.length; i++) c = crcTable[(c ^ d[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** Read a little-endian u64 that must fit in a JS number. */
function u64(dv: DataView, at: number, what: string, file: string): number {
  const v = dv.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(file, `${what} ${v} is too large`);
  return Number(v);
}

const corrupt = (file: string, why: string, key?: string) => new StoreError(`corrupt zip ${file}: ${why}`, key);

/** Decode an entry name: UTF-8 when flagged, else CP437 (as Python's zipfile does). */
function decodeName(raw: Uint8Array, flags: number, file: string): string {
  if (flags & FLAG_UTF8) {
    try {
      return utf8.decode(raw);
    } catch {
      throw corrupt(file, "entry name flagged UTF-8 is not valid UTF-8");
    }
  }
  let s = "";
  for (const b of raw) s += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80];
  return s;
}

/** Read exactly `len` bytes at `pos`, or throw naming what was being read. */
async function readExact(fh: fsp.FileHandle, pos: number, len: number, what: string, file: string): Promise<Uint8Array> {
  const buf = new Uint8Array(len);
  let done = 0;
  while (done < len) {
    const { bytesRead } = await fh.read(buf, done, len - done, pos + done);
    if (bytesRead === 0) throw corrupt(file, `${what} runs past the end of the file`);
    done += bytesRead;
  }
  return buf;
}

/** DOS date and time of `d` (local time, 2-second resolution, clamped to 1980..2107). */
function dosDateTime(d: Date): [time: number, date: number] {
  const y = Math.min(2107, Math.max(1980, d.getFullYear()));
  const date = ((y - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate();
  const time = (d.getHours() << 11) | (d.getMinutes() << 5) | (d.getSeconds() >> 1);
  return [time, date];
}

// ---------------------------------------------------------------------------------------------
// Reading the central directory

/** One entry of the archive. Offsets are absolute positions in the file. */
interface Entry {
  name: string;
  flags: number;
  method: number;
  crc: number;
  csize: number;
  usize: number;
  /** Local header position. */
  header: number;
  /** Data position, once known (read lazily from the local header). */
  data?: number;
  /** DOS time/date, for entries written in this session. */
  time?: number;
  date?: number;
  /** The central directory record as read, re-emitted verbatim when appending. */
  raw?: Uint8Array;
}

/** What the end records and the central directory say. */
interface Archive {
  entries: Entry[];
  /** Absolute position of the central directory (where appended entries start). */
  cdStart: number;
  /** Bytes prepended to the archive (self-extractors): stored offsets are relative to this. */
  concat: number;
  comment: Uint8Array;
}

/** Parse the end records and central directory of the zip open in `fh` (of `size` bytes). */
async function readArchive(fh: fsp.FileHandle, size: number, file: string): Promise<Archive> {
  // The EOCD is 22 bytes plus a comment of up to 65535 bytes, at the very end.
  const tailLen = Math.min(size, 22 + U16_MAX);
  const tailPos = size - tailLen;
  const tail = await readExact(fh, tailPos, tailLen, "end record", file);
  const tv = view(tail);
  let at = -1;
  for (let i = tailLen - 22; i >= 0; i--) {
    if (tv.getUint32(i, true) === SIG_EOCD && i + 22 + tv.getUint16(i + 20, true) <= tailLen) {
      at = i;
      break;
    }
  }
  if (at < 0) throw new StoreError(`not a zip file (no end of central directory record): ${file}`);
  const eocdPos = tailPos + at;
  let cdSize = tv.getUint32(at + 12, true);
  let cdOffset = tv.getUint32(at + 16, true);
  const diskNo = tv.getUint16(at + 4, true);
  const cdDisk = tv.getUint16(at + 6, true);
  const comment = tail.slice(at + 22, at + 22 + tv.getUint16(at + 20, true));
  let cdEnd = eocdPos;

  // zip64: a locator right before the EOCD points at the zip64 end record, which (like Python
  // assumes) sits right before the locator.
  if (eocdPos >= 20) {
    const loc = await readExact(fh, eocdPos - 20, 20, "zip64 locator", file);
    const lv = view(loc);
    if (lv.getUint32(0, true) === SIG_LOC64) {
      if (lv.getUint32(4, true) !== 0 || lv.getUint32(16, true) > 1) {
        throw new UnsupportedError("multi-disk zip", `archive spans several disks: ${file}`);
      }
      const recPos = eocdPos - 20 - 56;
      if (recPos < 0) throw corrupt(file, "zip64 end record missing");
      const rec = await readExact(fh, recPos, 56, "zip64 end record", file);
      const rv = view(rec);
      if (rv.getUint32(0, true) !== SIG_EOCD64) throw corrupt(file, "bad zip64 end record signature");
      cdSize = u64(rv, 40, "central directory size", file);
      cdOffset = u64(rv, 48, "central directory offset", file);
      cdEnd = recPos;
    } else if (diskNo !== 0 || cdDisk !== 0) {
      throw new UnsupportedError("multi-disk zip", `archive spans several disks: ${file}`);
    }
  }
  const concat = cdEnd - cdSize - cdOffset;
  if (concat < 0) throw corrupt(file, "central directory size/offset point past its end");
  const cdStart = cdOffset + concat;
  const cd = await readExact(fh, cdStart, cdSize, "central directory", file);
  const cv = view(cd);
  const entries: Entry[] = [];
  // Like Python, walk records until the directory's bytes are used up (the entry count field
  // wraps at 65535 in archives written without zip64).
  let p = 0;
  while (p < cdSize) {
    if (p + 46 > cdSize || cv.getUint32(p, true) !== SIG_CENTRAL) throw corrupt(file, `bad central directory record at ${cdStart + p}`);
    const flags = cv.getUint16(p + 8, true);
    const method = cv.getUint16(p + 10, true);
    const crc = cv.getUint32(p + 16, true);
    let csize = cv.getUint32(p + 20, true);
    let usize = cv.getUint32(p + 24, true);
    const n = cv.getUint16(p + 28, true);
    const m = cv.getUint16(p + 30, true);
    const k = cv.getUint16(p + 32, true);
    let rel = cv.getUint32(p + 42, true);
    const end = p + 46 + n + m + k;
    if (end > cdSize) throw corrupt(file, `central directory record at ${cdStart + p} overruns the directory`);
    const name = decodeName(cd.subarray(p + 46, p + 46 + n), flags, file);
    // zip64 extended information: 64-bit values for whichever fields hold 0xFFFFFFFF, in order.
    for (let q = p + 46 + n; q + 4 <= p + 46 + n + m; ) {
      const id = cv.getUint16(q, true);
      const len = cv.getUint16(q + 2, true);
      if (q + 4 + len > p + 46 + n + m) throw corrupt(file, `extra field overruns record of ${JSON.stringify(name)}`);
      if (id === 0x0001) {
        let r = q + 4;
        const need = (what: string) => {
          if (r + 8 > q + 4 + len) throw corrupt(file, `zip64 extra field of ${JSON.stringify(name)} lacks ${what}`);
          const v = u64(cv, r, what, file);
          r += 8;
          return v;
        };
        if (usize === U32_MAX) usize = need("uncompressed size");
        if (csize === U32_MAX) csize = need("compressed size");
        if (rel === U32_MAX) rel = need("header offset");
        break;
      }
      q += 4 + len;
    }
    const header = rel + concat;
    if (header + 30 > size) throw corrupt(file, `local header of ${JSON.stringify(name)} lies past the end of the file`);
    entries.push({ name, flags, method, crc, csize, usize, header, raw: cd.slice(p, end) });
    p = end;
  }
  return { entries, cdStart, concat, comment };
}

/** Refuse names that are unsafe to use as paths (zip-slip); directory entries may end in '/'. */
function checkEntryName(name: string, file: string): void {
  const bare = name.endsWith("/") ? name.slice(0, -1) : name;
  const why = name.startsWith("/") ? "absolute path (leading '/')" : keyProblem(bare);
  if (why !== undefined) {
    throw new StoreError(`unsafe entry name ${JSON.stringify(name)} in zip ${file} (refused: ${why})`, name);
  }
}

/** Normalise and validate the `prefix` option to "" or "folder/". */
function normalisePrefix(prefix: string): string {
  if (prefix === "") return "";
  const bare = prefix.endsWith("/") ? prefix.slice(0, -1) : prefix;
  checkKey(bare, "zip prefix");
  return bare + "/";
}

// ---------------------------------------------------------------------------------------------
// Writing records

/** Local file header (with a zip64 extra field carrying both sizes when `zip64`). */
function localHeader(e: Entry, nameBytes: Uint8Array, zip64: boolean): Uint8Array {
  const extraLen = zip64 ? 20 : 0;
  const b = new Uint8Array(30 + nameBytes.length + extraLen);
  const v = view(b);
  v.setUint32(0, SIG_LOCAL, true);
  v.setUint16(4, zip64 ? 45 : 20, true);
  v.setUint16(6, e.flags, true);
  v.setUint16(8, e.method, true);
  v.setUint16(10, e.time ?? 0, true);
  v.setUint16(12, e.date ?? 0, true);
  v.setUint32(14, e.crc, true);
  v.setUint32(18, zip64 ? U32_MAX : e.csize, true);
  v.setUint32(22, zip64 ? U32_MAX : e.usize, true);
  v.setUint16(26, nameBytes.length, true);
  v.setUint16(28, extraLen, true);
  b.set(nameBytes, 30);
  if (zip64) {
    const x = 30 + nameBytes.length;
    v.setUint16(x, 0x0001, true);
    v.setUint16(x + 2, 16, true);
    v.setBigUint64(x + 4, BigInt(e.usize), true);
    v.setBigUint64(x + 12, BigInt(e.csize), true);
  }
  return b;
}

/** Central directory record for an entry written in this session. */
function centralRecord(e: Entry, concat: number, force: boolean): Uint8Array {
  const nameBytes = utf8Encoder.encode(e.name);
  const rel = e.header - concat;
  const bigSizes = force || e.usize >= U32_MAX || e.csize >= U32_MAX;
  const bigOffset = force || rel >= U32_MAX;
  const values = [...(bigSizes ? [e.usize, e.csize] : []), ...(bigOffset ? [rel] : [])];
  const extraLen = values.length ? 4 + 8 * values.length : 0;
  const b = new Uint8Array(46 + nameBytes.length + extraLen);
  const v = view(b);
  const version = values.length ? 45 : 20;
  v.setUint32(0, SIG_CENTRAL, true);
  v.setUint16(4, (3 << 8) | version, true); // made by: Unix, like zipfile on POSIX
  v.setUint16(6, version, true);
  v.setUint16(8, e.flags, true);
  v.setUint16(10, e.method, true);
  v.setUint16(12, e.time ?? 0, true);
  v.setUint16(14, e.date ?? 0, true);
  v.setUint32(16, e.crc, true);
  v.setUint32(20, bigSizes ? U32_MAX : e.csize, true);
  v.setUint32(24, bigSizes ? U32_MAX : e.usize, true);
  v.setUint16(28, nameBytes.length, true);
  v.setUint16(30, extraLen, true);
  v.setUint32(38, EXTERNAL_ATTR, true);
  v.setUint32(42, bigOffset ? U32_MAX : rel, true);
  b.set(nameBytes, 46);
  if (values.length) {
    const x = 46 + nameBytes.length;
    v.setUint16(x, 0x0001, true);
    v.setUint16(x + 2, 8 * values.length, true);
    values.forEach((val, i) => v.setBigUint64(x + 4 + 8 * i, BigInt(val), true));
  }
  return b;
}

/** zip64 end record + locator (when needed) and the classic end record. */
function endRecords(count: number, cdSize: number, cdRel: number, comment: Uint8Array, force: boolean): Uint8Array {
  const zip64 = force || count >= U16_MAX || cdSize >= U32_MAX || cdRel >= U32_MAX;
  const b = new Uint8Array((zip64 ? 76 : 0) + 22 + comment.length);
  const v = view(b);
  let o = 0;
  if (zip64) {
    v.setUint32(0, SIG_EOCD64, true);
    v.setBigUint64(4, 44n, true); // size of the rest of this record
    v.setUint16(12, 45, true);
    v.setUint16(14, 45, true);
    v.setBigUint64(24, BigInt(count), true);
    v.setBigUint64(32, BigInt(count), true);
    v.setBigUint64(40, BigInt(cdSize), true);
    v.setBigUint64(48, BigInt(cdRel), true);
    v.setUint32(56, SIG_LOC64, true);
    v.setUint32(60, 0, true); // disk holding the zip64 end record
    v.setBigUint64(64, BigInt(cdRel + cdSize), true); // where the zip64 end record starts
    v.setUint32(72, 1, true); // total number of disks
    o = 76;
  }
  v.setUint32(o, SIG_EOCD, true);
  v.setUint16(o + 8, Math.min(count, U16_MAX), true);
  v.setUint16(o + 10, Math.min(count, U16_MAX), true);
  v.setUint32(o + 12, Math.min(cdSize, U32_MAX), true);
  v.setUint32(o + 16, Math.min(cdRel, U32_MAX), true);
  v.setUint16(o + 20, comment.length, true);
  b.set(comment, o + 22);
  return b;
}

// ---------------------------------------------------------------------------------------------
// The store

const codeOf = (e: unknown) => (typeof e === "object" && e !== null && "code" in e ? String((e as { code: unknown }).code) : "");

/**
 * Open a zip archive as a store. Read mode returns a store without `set`/`delete`.
 * Writable stores must be `close()`d to write the central directory.
 */
export async function openZipStore(file: string, options?: ZipStoreOptions & { mode?: "r" }): Promise<ReadableZipStore>;
export async function openZipStore(file: string, options: ZipStoreOptions & { mode: "w" | "a" }): Promise<WritableZipStore>;
export async function openZipStore(file: string, options: ZipStoreOptions = {}): Promise<ReadableZipStore | WritableZipStore> {
  const { mode = "r", compression = "stored", level = -1, forceZip64 = false } = options;
  if (mode !== "r" && mode !== "w" && mode !== "a") throw new StoreError(`invalid zip mode ${JSON.stringify(mode)}`);
  if (compression !== "stored" && compression !== "deflate") {
    throw new StoreError(`invalid zip compression ${JSON.stringify(compression)} (use "stored" or "deflate")`);
  }
  const abs = path.resolve(file);
  let exists = true;
  try {
    await fsp.stat(abs);
  } catch (e) {
    if (codeOf(e) !== "ENOENT" || mode === "r") throw new StoreError(`cannot open zip ${abs}: ${(e as Error).message}`, undefined, { cause: e });
    exists = false;
  }
  const flag = mode === "r" ? "r" : mode === "w" || !exists ? "w+" : "r+";
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(abs, flag);
  } catch (e) {
    throw new StoreError(`cannot open zip ${abs}: ${(e as Error).message}`, undefined, { cause: e });
  }
  try {
    return await makeStore(fh, abs, mode, (await fh.stat()).size, options.prefix, compression, level, forceZip64);
  } catch (e) {
    await fh.close();
    throw e;
  }
}

async function makeStore(
  fh: fsp.FileHandle,
  file: string,
  mode: "r" | "w" | "a",
  initialSize: number,
  prefixOption: string | undefined,
  compression: "stored" | "deflate",
  level: number,
  forceZip64: boolean,
): Promise<ReadableZipStore | WritableZipStore> {
  const archive: Archive =
    mode === "w" || (mode === "a" && initialSize === 0)
      ? { entries: [], cdStart: 0, concat: 0, comment: new Uint8Array(0) }
      : await readArchive(fh, initialSize, file);
  for (const e of archive.entries) checkEntryName(e.name, file);
  const prefix = normalisePrefix(prefixOption ?? detectZipRoot(archive.entries.map((e) => e.name)));

  /** Every entry in archive order (duplicates kept, as in the file). */
  const entries = archive.entries;
  /** Name → entry; later entries win, as in Python's zipfile. Directory entries are not keys. */
  const index = new Map<string, Entry>();
  for (const e of entries) if (!e.name.endsWith("/")) index.set(e.name, e);

  let pos = archive.cdStart; // next local header (writers); appends overwrite the old directory
  let closed = false;
  let broken: unknown;
  let modified = false;
  const pending = new Set<Promise<unknown>>();
  const fileSize = () => Math.max(initialSize, pos);

  const track = <T>(p: Promise<T>): Promise<T> => {
    pending.add(p);
    const done = () => pending.delete(p);
    p.then(done, done);
    return p;
  };
  const checkOpen = (key?: string) => {
    if (closed) throw new StoreError(`zip store is closed: ${file}`, key);
  };

  /** Position of an entry's data, from its local header (cached). */
  async function dataStart(e: Entry, key: string): Promise<number> {
    if (e.data !== undefined) return e.data;
    const h = await readExact(fh, e.header, 30, "local header", file);
    const hv = view(h);
    if (hv.getUint32(0, true) !== SIG_LOCAL) throw corrupt(file, "bad local header signature", key);
    const data = e.header + 30 + hv.getUint16(26, true) + hv.getUint16(28, true);
    if (data + e.csize > fileSize()) throw corrupt(file, "entry data runs past the end of the file", key);
    e.data = data;
    return data;
  }

  async function readEntry(key: string, range: ByteRange | undefined): Promise<Uint8Array | undefined> {
    checkKey(key);
    checkOpen(key);
    const e = index.get(prefix + key);
    if (e === undefined) return undefined;
    if (e.flags & FLAG_ENCRYPTED) throw new UnsupportedError("zip encryption", "entry is encrypted", key);
    if (e.method === METHOD_STORED) {
      if (e.csize !== e.usize) throw corrupt(file, `stored entry sizes differ (${e.csize} != ${e.usize})`, key);
      const [start, end] = resolveRange(e.usize, range, key);
      const data = await dataStart(e, key);
      const out = await readExact(fh, data + start, end - start, "entry data", file);
      if (range === undefined && crc32(out) !== e.crc) throw corrupt(file, "CRC-32 mismatch", key);
      return out;
    }
    if (e.method !== METHOD_DEFLATE) {
      throw new UnsupportedError("zip compression method", `method ${e.method} (only stored and deflate are read)`, key);
    }
    if (e.usize > e.csize * MAX_DEFLATE_RATIO + 1024) {
      throw corrupt(file, `declared size ${e.usize} is impossible for ${e.csize} deflated bytes`, key);
    }
    if (e.usize > bufferConstants.MAX_LENGTH) {
      throw new UnsupportedError("zip entry size", `${e.usize} bytes exceeds what fits in memory`, key);
    }
    const comp = await readExact(fh, await dataStart(e, key), e.csize, "entry data", file);
    let raw: Buffer;
    try {
      raw = await inflateRaw(comp, { maxOutputLength: Math.max(1, e.usize) });
    } catch (err) {
      throw corrupt(file, `cannot inflate entry: ${(err as Error).message}`, key);
    }
    if (raw.length !== e.usize) throw corrupt(file, `inflated to ${raw.length} bytes, expected ${e.usize}`, key);
    if (crc32(raw) !== e.crc) throw corrupt(file, "CRC-32 mismatch", key);
    const [start, end] = resolveRange(e.usize, range, key);
    // Copy out: zlib may hand back a slice of a shared pool buffer.
    const out = new Uint8Array(end - start);
    out.set(raw.subarray(start, end));
    return out;
  }

  async function* list(listPrefix: string): AsyncGenerator<string> {
    splitPrefix(listPrefix);
    checkOpen();
    const full = prefix + listPrefix;
    for (const name of [...index.keys()]) if (name.startsWith(full)) yield name.slice(prefix.length);
  }

  const get = (key: string, range?: ByteRange) => track(readEntry(key, range));
  const url = pathToFileURL(file).href;

  if (mode === "r") {
    const close = async () => {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...pending]);
      await fh.close();
    };
    return { url, path: file, prefix, get, list, close };
  }

  // Writers: one write at a time, each at the tracked end position.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(job: () => Promise<T>): Promise<T> => {
    const p = queue.then(job);
    queue = p.catch(() => {});
    return p;
  };

  async function writeAt(bytes: Uint8Array, at: number): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await fh.write(bytes, done, bytes.length - done, at + done);
      done += bytesWritten;
    }
  }

  async function set(key: string, value: Uint8Array): Promise<void> {
    checkKey(key);
    checkOpen(key);
    if (!(value instanceof Uint8Array)) throw new StoreError("value is not a Uint8Array", key);
    const copy = value.slice(); // the caller may reuse its buffer before our turn comes
    return serial(async () => {
      if (broken !== undefined) throw new StoreError("an earlier write to this zip failed", key, { cause: broken });
      const name = prefix + key;
      const method = compression === "deflate" ? METHOD_DEFLATE : METHOD_STORED;
      const data = method === METHOD_DEFLATE ? await deflateRaw(copy, { level }) : copy;
      const [time, date] = dosDateTime(new Date());
      const nameBytes = utf8Encoder.encode(name);
      const ascii = nameBytes.length === name.length;
      const e: Entry = {
        name,
        flags: ascii ? 0 : FLAG_UTF8,
        method,
        crc: crc32(copy),
        csize: data.length,
        usize: copy.length,
        header: pos,
        time,
        date,
      };
      const zip64 = forceZip64 || e.usize >= U32_MAX || e.csize >= U32_MAX;
      const head = localHeader(e, nameBytes, zip64);
      try {
        await writeAt(head, pos);
        await writeAt(data, pos + head.length);
      } catch (err) {
        // The bytes after `pos` are garbage now; close() writes the directory over them.
        broken = err;
        throw new StoreError(`writing zip entry failed: ${(err as Error).message}`, key, { cause: err });
      }
      e.data = pos + head.length;
      pos = e.data + data.length;
      modified = true;
      entries.push(e);
      index.set(name, e);
    });
  }

  async function del(key: string): Promise<void> {
    checkKey(key);
    checkOpen(key);
    await queue;
    if (!index.has(prefix + key)) return;
    throw new StoreError("zip archives cannot delete entries (zarr-python's ZipStore cannot either); rewrite the archive", key);
  }

  async function writeDirectory(): Promise<void> {
    const records = entries.map((e) => e.raw ?? centralRecord(e, archive.concat, forceZip64));
    const cdSize = records.reduce((s, r) => s + r.length, 0);
    const cdStart = pos;
    // Write in slices so a huge directory never needs one giant buffer.
    let at = cdStart;
    for (let i = 0; i < records.length; ) {
      const batch: Uint8Array[] = [];
      let n = 0;
      while (i < records.length && n < 1 << 20) {
        batch.push(records[i]);
        n += records[i++].length;
      }
      await writeAt(Buffer.concat(batch), at);
      at += n;
    }
    const end = endRecords(entries.length, cdSize, cdStart - archive.concat, archive.comment, forceZip64);
    await writeAt(end, at);
    await fh.truncate(at + end.length);
    await fh.sync();
  }

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      closed = true;
      await queue;
      await Promise.allSettled([...pending]);
      try {
        if (mode === "w" || modified) await writeDirectory();
      } catch (err) {
        throw new StoreError(`writing the zip central directory failed: ${(err as Error).message}`, undefined, { cause: err });
      } finally {
        await fh.close();
      }
    })());

  return { url, path: file, prefix, get, list, set, delete: del, close };
}
