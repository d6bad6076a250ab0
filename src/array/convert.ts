/**
 * Copy an array or a whole hierarchy to another location: v2 ↔ v3, re-chunked,
 * re-compressed. Streams destination chunk by destination chunk (memory: a few chunks),
 * writing whole chunks only, so no read-modify-write happens on the target.
 * @module
 */
import { UnsupportedError } from "../format/errors.js";
import type { ArrayMetadata, CodecSpec } from "../format/metadata.js";
import { product } from "../format/ndarray.js";
import type { ReadableStore, Store } from "../stores/types.js";
import { get, set, type AccessOptions } from "./access.js";
import { gridShape } from "./chunks.js";
import { runTasks } from "../runtime/executor.js";
import { createArray, createGroup, keyIn, listChildren, open, type CodecJson, type CreateArrayOptions, type ZarrArray, type ZarrGroup } from "./node.js";

/** What to change while converting. */
export interface ConvertOptions extends Omit<AccessOptions, "onProgress"> {
  zarrFormat?: 2 | 3;
  /** New chunk shape (inner chunk shape with `shards`). */
  chunks?: number[];
  shards?: number[];
  /** v2: compressor JSON (or null); v3: list of bytes→bytes codecs. */
  codec?: CodecJson | CodecJson[] | null;
  filters?: CodecJson[] | null;
  overwrite?: boolean;
  /** Called with the path of each node copied. */
  onNode?: (path: string) => void;
  onProgress?: (done: number, total: number) => void;
}

const BLOSC_SHUFFLE = ["noshuffle", "shuffle", "bitshuffle"];

/** v2 compressor → v3 bytes→bytes codec. */
function v2CompressorToV3(c: CodecSpec, itemBytes: number): CodecJson {
  const conf = c.configuration;
  switch (c.name) {
    case "blosc": {
      const s = Number(conf.shuffle ?? 1);
      const shuffle = s === -1 ? (itemBytes === 1 ? "bitshuffle" : "shuffle") : BLOSC_SHUFFLE[s] ?? "shuffle";
      return { name: "blosc", configuration: { cname: conf.cname ?? "lz4", clevel: conf.clevel ?? 5, shuffle, typesize: itemBytes, blocksize: conf.blocksize ?? 0 } };
    }
    case "gzip": return { name: "gzip", configuration: { level: conf.level ?? 1 } };
    case "zstd": return { name: "zstd", configuration: { level: conf.level ?? 1, checksum: false } };
    default: return { name: `numcodecs.${c.name}`, configuration: conf };
  }
}

/** v3 bytes→bytes codec → v2 numcodecs JSON. */
function v3CodecToV2(c: CodecSpec): CodecJson {
  const conf = c.configuration;
  if (c.name === "blosc") {
    const shuffle = BLOSC_SHUFFLE.indexOf(String(conf.shuffle ?? "shuffle"));
    return { id: "blosc", cname: conf.cname ?? "lz4", clevel: conf.clevel ?? 5, shuffle: shuffle < 0 ? 1 : shuffle, blocksize: conf.blocksize ?? 0 };
  }
  if (c.name === "gzip") return { id: "gzip", level: conf.level ?? 1 };
  if (c.name === "zstd") return { id: "zstd", level: conf.level ?? 1 };
  if (c.name.startsWith("numcodecs.")) return { id: c.name.slice(10), ...conf };
  throw new UnsupportedError("codec", `${c.name} has no Zarr v2 (numcodecs) equivalent; pass --codec`);
}

/** The v3 bytes→bytes codecs of `m`: those after the serializer (inside the shard when sharded). */
function v3BytesCodecs(m: ArrayMetadata): CodecSpec[] {
  const sharding = m.codecs.find((c) => c.name === "sharding_indexed");
  const pipe = sharding ? (sharding.configuration.codecs as unknown as CodecSpec[]) : m.codecs;
  const i = pipe.findIndex((c) => ["bytes", "vlen-utf8", "vlen-bytes"].includes(c.name));
  return pipe.slice(i + 1).map((c) => ({ name: c.name, configuration: c.configuration ?? {} }));
}

/** numcodecs filters that work on bytes (they go after the serializer in v3). */
const BYTES_FILTERS = new Set(["shuffle", "crc32", "crc32c", "adler32", "fletcher32", "base64", "zlib", "gzip", "zstd", "lz4", "bz2", "lzma", "blosc"]);

/** Creation options for the copy of `src` with `o` applied. */
export function targetOptions(src: ZarrArray, o: ConvertOptions): CreateArrayOptions {
  const m = src.meta;
  const zarrFormat = o.zarrFormat ?? m.zarrFormat;
  const itemBytes = "bits" in m.dtype ? m.dtype.bits / 8 : 1;
  const base: CreateArrayOptions = {
    shape: m.shape, dtype: m.dtype, zarrFormat, fillValue: m.fill.value, attributes: m.attributes,
    dimensionNames: zarrFormat === 3 ? m.dimensionNames : undefined, overwrite: o.overwrite,
  };
  let chunks = o.chunks ?? (o.shards ? undefined : m.chunkShape);
  const srcSharding = m.codecs.find((c) => c.name === "sharding_indexed");
  if (!o.chunks && srcSharding && zarrFormat === 2) chunks = srcSharding.configuration.chunk_shape as number[];
  // Codecs: explicit ones win; otherwise translate the source's.
  if (zarrFormat === 2) {
    let compressor: CodecJson | null | undefined;
    let filters: CodecJson[] | null | undefined = o.filters;
    if (o.codec !== undefined) compressor = Array.isArray(o.codec) ? (o.codec[0] ?? null) : o.codec;
    else if (m.zarrFormat === 2) { compressor = m.compressor ? { id: m.compressor.name, ...m.compressor.configuration } : null; filters ??= m.filters?.map((f) => ({ id: f.name, ...f.configuration })) ?? null; }
    else {
      const v2 = v3BytesCodecs(m).map(v3CodecToV2);
      compressor = v2.pop() ?? null;
      if (v2.length) filters = [...(filters ?? []), ...v2];
    }
    if (m.dtype.kind === "string" || m.dtype.kind === "bytes") filters = (filters ?? []).filter((f) => !("id" in f && (f.id === "vlen-utf8" || f.id === "vlen-bytes")));
    return { ...base, chunks, compressor, filters: filters?.length ? filters : null, order: m.zarrFormat === 2 ? m.order : "C" };
  }
  let compressors: CodecJson[] | undefined;
  if (o.codec !== undefined) compressors = o.codec === null ? [] : Array.isArray(o.codec) ? o.codec : [o.codec];
  else if (m.zarrFormat === 2) {
    // v2 byte filters (shuffle, checksums...) keep their place before the compressor.
    const byteFilters = (m.filters ?? []).filter((f) => BYTES_FILTERS.has(f.name)).map((f) => ({ name: `numcodecs.${f.name}`, configuration: f.configuration }));
    compressors = [...byteFilters, ...(m.compressor ? [v2CompressorToV3(m.compressor, itemBytes)] : [])];
  }
  else if (!o.chunks && !o.shards) return { ...base, chunks: m.chunkShape, codecs: m.codecs.map((c) => ({ name: c.name, configuration: c.configuration })) };
  else compressors = v3BytesCodecs(m);
  const arrayCodecs: CodecJson[] = [];
  if (m.zarrFormat === 2) {
    for (const f of m.filters ?? []) if (!["vlen-utf8", "vlen-bytes"].includes(f.name) && !BYTES_FILTERS.has(f.name)) arrayCodecs.push({ name: `numcodecs.${f.name}`, configuration: f.configuration });
  }
  return { ...base, chunks, shards: o.shards, compressors, arrayCodecs };
}

/** Copy one array to `dst`/`path`. */
export async function convertArray(src: ZarrArray, dst: Store, path: string, o: ConvertOptions = {}): Promise<ZarrArray> {
  const target = await createArray(dst, path, targetOptions(src, o));
  const { shape, chunkShape } = target.meta;
  const grid = gridShape(shape, chunkShape);
  const total = product(grid);
  let done = 0;
  function* cells(): Generator<number[]> {
    if (product(shape) === 0) return;
    const c = new Array<number>(grid.length).fill(0);
    for (let i = 0; i < total; i++) {
      yield [...c];
      for (let d = c.length - 1; d >= 0; d--) { if (++c[d] < grid[d]) break; c[d] = 0; }
    }
  }
  // A few destination chunks in flight: each reads its region from the source and writes one
  // whole chunk; decoding and encoding run on the pool inside get/set.
  const inner = { pool: o.pool, signal: o.signal, synchronizer: o.synchronizer };
  await runTasks(cells(), async (cell) => {
    const sel = cell.map((c, d) => ({ start: c * chunkShape[d], stop: Math.min(shape[d], (c + 1) * chunkShape[d]) }));
    const part = await get(src, sel, inner);
    await set(target, sel, part, inner);
  }, {
    maxInFlight: o.maxInFlight ?? 4,
    signal: o.signal,
    keyOf: (cell) => `${target.path || "/"} chunk ${cell.join(",")}`,
    onProgress: () => o.onProgress?.(++done, total),
  });
  return target;
}

/** Copy the node at `src` (array or group, recursively) to `dst`/`path`. */
export async function convert(src: ReadableStore, srcPath: string, dst: Store, path: string, o: ConvertOptions = {}): Promise<void> {
  const node = await open(src, { path: srcPath });
  if (node.kind === "array") {
    o.onNode?.(node.path);
    await convertArray(node, dst, path, o);
    return;
  }
  await copyGroup(node, dst, path, o);
}

async function copyGroup(g: ZarrGroup, dst: Store, path: string, o: ConvertOptions): Promise<void> {
  o.onNode?.(g.path);
  await createGroup(dst, path, { zarrFormat: o.zarrFormat ?? g.meta.zarrFormat, attributes: g.meta.attributes, overwrite: o.overwrite });
  for (const child of await listChildren(g)) {
    const name = child.path.split("/").pop()!;
    if (child.kind === "array") {
      o.onNode?.(child.path);
      await convertArray(child, dst, keyIn(path, name), o);
    } else await copyGroup(child, dst, keyIn(path, name), o);
  }
}
