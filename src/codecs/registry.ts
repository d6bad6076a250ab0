/**
 * Codec registry: codec name → ES module URL + export name. Plain data, so a worker
 * thread can receive the table and `import()` any codec itself. User codecs are
 * registered the same way with {@link registerCodec}.
 * @module
 */
import { UnsupportedError } from "../format/errors.js";
import type { CodecFactory, CodecLocation } from "./types.js";

const here = (file: string, exportName: string): CodecLocation => ({
  module: new URL(file, import.meta.url).href,
  export: exportName,
});

/** v3 codec names (zarr.json `codecs[].name`). `numcodecs.<id>` falls back to the v2 table. */
const v3Table = new Map<string, CodecLocation>([
  ["bytes", here("./bytes.js", "bytes")],
  ["transpose", here("./transpose.js", "transpose")],
  ["blosc", here("./blosc/codec.js", "bloscV3")],
  ["gzip", here("./gzip.js", "gzip")],
  ["zstd", here("./zstd.js", "zstd")],
  ["crc32c", here("./checksums.js", "crc32c")],
  ["vlen-utf8", here("./vlen.js", "vlenUtf8")],
  ["vlen-bytes", here("./vlen.js", "vlenBytes")],
  ["sharding_indexed", here("./sharding.js", "shardingIndexed")],
  // The v3 packbits extension (zarrs; zarr-extensions) is array→bytes with LSB-first bits,
  // unlike numcodecs' v2 packbits (reachable in v3 as numcodecs.packbits).
  ["packbits", here("./packbits.js", "packbitsV3")],
]);

/** v2 numcodecs ids (`compressor.id`, `filters[].id`). */
const v2Table = new Map<string, CodecLocation>([
  ["blosc", here("./blosc/codec.js", "blosc")],
  ["zlib", here("./zlib.js", "zlib")],
  ["gzip", here("./gzip.js", "gzip")],
  ["zstd", here("./zstd.js", "zstd")],
  ["lz4", here("./lz4.js", "lz4")],
  ["bz2", here("./bz2.js", "bz2")],
  ["lzma", here("./lzma.js", "lzma")],
  ["crc32", here("./checksums.js", "crc32")],
  ["crc32c", here("./checksums.js", "crc32c")],
  ["adler32", here("./checksums.js", "adler32")],
  ["fletcher32", here("./checksums.js", "fletcher32")],
  ["shuffle", here("./shuffle.js", "shuffle")],
  ["base64", here("./base64.js", "base64")],
  ["delta", here("./delta.js", "delta")],
  ["fixedscaleoffset", here("./fixedscaleoffset.js", "fixedScaleOffset")],
  ["quantize", here("./quantize.js", "quantize")],
  ["bitround", here("./bitround.js", "bitround")],
  ["packbits", here("./packbits.js", "packbits")],
  ["astype", here("./astype.js", "astype")],
  ["categorize", here("./categorize.js", "categorize")],
  ["vlen-utf8", here("./vlen.js", "vlenUtf8")],
  ["vlen-bytes", here("./vlen.js", "vlenBytes")],
  ["vlen-array", here("./vlen.js", "vlenArray")],
  ["json2", here("./json2.js", "json2")],
  ["msgpack2", here("./msgpack2.js", "msgpack2")],
]);

/** Codecs refused on purpose, with the reason. */
const refused = new Map<string, string>([
  ["pickle", "pickle data can execute code and is never decoded"],
]);

/** Register (or replace) a codec for one or both formats. */
export function registerCodec(name: string, location: CodecLocation, formats: { v2?: boolean; v3?: boolean } = { v2: true, v3: true }): void {
  if (formats.v2 !== false) v2Table.set(name, location);
  if (formats.v3 !== false) v3Table.set(name, location);
}

/** Where the codec `name` lives for `zarrFormat`; throws UnsupportedError naming it when unknown. */
export function locateCodec(name: string, zarrFormat: 2 | 3, key?: string): CodecLocation {
  const bare = zarrFormat === 3 && name.startsWith("numcodecs.") ? name.slice("numcodecs.".length) : name;
  const why = refused.get(bare);
  if (why) throw new UnsupportedError("codec", `${name}: ${why}`, key);
  const loc = zarrFormat === 3 ? (v3Table.get(name) ?? (bare !== name ? v2Table.get(bare) : undefined)) : v2Table.get(name);
  if (!loc) throw new UnsupportedError("codec", `${name} has no JavaScript implementation in zarrflow`, key);
  return loc;
}

const loaded = new Map<string, Promise<CodecFactory>>();

/** Load a codec factory from its location (cached per module+export). */
export function loadCodec(location: CodecLocation): Promise<CodecFactory> {
  const id = `${location.module}#${location.export}`;
  let p = loaded.get(id);
  if (!p) {
    p = import(location.module).then((m: Record<string, unknown>) => {
      const f = m[location.export];
      if (typeof f !== "function") throw new UnsupportedError("codec", `${id} does not export a factory function`);
      return f as CodecFactory;
    });
    loaded.set(id, p);
  }
  return p;
}

/** Snapshot of the tables (plain data, for posting to workers). */
export function codecTables(): { v2: [string, CodecLocation][]; v3: [string, CodecLocation][] } {
  return { v2: [...v2Table], v3: [...v3Table] };
}
