/**
 * `sharding_indexed` (v3): a shard holds many inner chunks, each encoded by the inner
 * codecs, plus an index of (offset, nbytes) uint64 pairs per inner chunk, encoded by the
 * index codecs and placed at the start or end. Missing inner chunks have offset = nbytes =
 * 2^64-1 and read as the fill value.
 *
 * Besides whole-shard encode/decode, the codec exposes its geometry and index decoder
 * (`shard`) so the array layer can read single inner chunks with ranged gets.
 * @module
 */
import { CodecError, ChunkError } from "../format/errors.js";
import type { DataType } from "../format/dtype.js";
import { rawFill } from "../format/fill-value.js";
import type { JsonValue } from "../format/json.js";
import type { CodecSpec } from "../format/metadata.js";
import { allocateFilled, copyBox, isAllFill, product } from "../format/ndarray.js";
import { buildPipeline, decodeChunk, encodeChunk, type Pipeline } from "./pipeline.js";
import type { ArrayToBytesCodec, ChunkSpec, CodecFactory, NDArray } from "./types.js";

/** 2^64 - 1: the index entry of a missing inner chunk. */
export const MISSING = 0xffffffffffffffffn;

/** What the array layer needs for partial shard reads. */
export interface ShardGeometry {
  innerShape: number[];
  chunksPerShard: number[];
  indexLocation: "start" | "end";
  /** Encoded index size in bytes. */
  indexSize: number;
  /** Decode the index bytes to [offset0, nbytes0, offset1, ...] (C order of inner chunks). */
  decodeIndex(bytes: Uint8Array, key?: string): Promise<BigUint64Array>;
  inner: Pipeline;
}

/** The sharding codec: an array→bytes codec with its geometry attached. */
export interface ShardingCodec extends ArrayToBytesCodec {
  shard: ShardingGeometryWithSpec;
}
type ShardingGeometryWithSpec = ShardGeometry;

const U64: DataType = { kind: "uint", bits: 64, endian: "little" };

function codecList(v: unknown, field: string, key?: string): CodecSpec[] {
  if (!Array.isArray(v)) throw new CodecError("sharding_indexed", `${field} must be a list`, key);
  return v.map((c: unknown, i) => {
    if (typeof c === "string") return { name: c, configuration: {} };
    if (c && typeof c === "object" && typeof (c as { name?: unknown }).name === "string") {
      const o = c as { name: string; configuration?: Record<string, JsonValue> };
      return { name: o.name, configuration: o.configuration ?? {} };
    }
    throw new CodecError("sharding_indexed", `${field}[${i}] must be a codec object`, key);
  });
}

/** Coordinates of the i-th inner chunk (C order). */
function coordsOf(i: number, counts: number[]): number[] {
  const c = new Array<number>(counts.length);
  for (let d = counts.length - 1; d >= 0; d--) { c[d] = i % counts[d]; i = Math.floor(i / counts[d]); }
  return c;
}

/** Factory for `sharding_indexed`. */
export const shardingIndexed: CodecFactory = async (conf, ctx) => {
  const key = ctx.key;
  const spec = ctx.spec;
  const cs = conf.chunk_shape;
  if (!Array.isArray(cs) || cs.length !== spec.shape.length || !cs.every((x) => Number.isSafeInteger(x) && (x as number) >= 1))
    throw new CodecError("sharding_indexed", `chunk_shape must be ${spec.shape.length} positive integers`, key);
  const innerShape = cs as number[];
  spec.shape.forEach((s, d) => {
    if (s % innerShape[d] !== 0) throw new CodecError("sharding_indexed", `shard shape ${spec.shape} is not divisible by chunk_shape ${innerShape}`, key);
  });
  const indexLocation = conf.index_location ?? "end";
  if (indexLocation !== "start" && indexLocation !== "end") throw new CodecError("sharding_indexed", `index_location must be "start" or "end"`, key);
  const chunksPerShard = spec.shape.map((s, d) => s / innerShape[d]);
  const nInner = product(chunksPerShard);
  const innerSpec: ChunkSpec = { ...spec, shape: innerShape };
  const inner = await buildPipeline({ zarrFormat: 3, codecs: codecList(conf.codecs ?? [{ name: "bytes", configuration: { endian: "little" } }], "codecs", key), chunk: innerSpec, key });
  const indexSpec: ChunkSpec = { shape: [...chunksPerShard, 2], dtype: U64, fillValue: MISSING, fillRaw: rawFill(U64, MISSING) };
  const indexCodecs = codecList(conf.index_codecs ?? [{ name: "bytes", configuration: { endian: "little" } }, { name: "crc32c" }], "index_codecs", key);
  const indexPipe = await buildPipeline({ zarrFormat: 3, codecs: indexCodecs, chunk: indexSpec, key });
  if (indexPipe.arrayToArray.length > 0 && indexPipe.arrayToArray.some((c) => c.codec.name !== "transpose"))
    throw new CodecError("sharding_indexed", "index_codecs may only hold transpose, bytes and fixed-size bytes→bytes codecs", key);
  let indexSize = indexPipe.arrayToBytes.codec.encodedSize?.(indexPipe.arrayToBytes.input);
  for (const c of indexPipe.bytesToBytes) indexSize = indexSize === undefined ? undefined : c.encodedSize?.(indexSize);
  if (indexSize === undefined) throw new CodecError("sharding_indexed", "index_codecs must produce a fixed size (e.g. bytes + crc32c)", key);
  const fixedIndexSize = indexSize;

  const decodeIndex = async (bytes: Uint8Array, chunkKey?: string): Promise<BigUint64Array> => {
    if (bytes.length !== fixedIndexSize) throw new ChunkError(`shard index is ${bytes.length} bytes, expected ${fixedIndexSize}`, chunkKey);
    const a = await decodeChunk(indexPipe, bytes, chunkKey);
    return a.data as BigUint64Array;
  };

  const geometry: ShardGeometry = { innerShape, chunksPerShard, indexLocation, indexSize: fixedIndexSize, decodeIndex, inner };

  const decode = async (b: Uint8Array, s: ChunkSpec, out?: NDArray): Promise<NDArray> => {
    if (b.length < fixedIndexSize) throw new ChunkError(`shard of ${b.length} bytes is shorter than its ${fixedIndexSize}-byte index`);
    const indexBytes = indexLocation === "start" ? b.subarray(0, fixedIndexSize) : b.subarray(b.length - fixedIndexSize);
    const index = await decodeIndex(indexBytes);
    const fill = { value: s.fillValue, raw: s.fillRaw ?? rawFill(s.dtype, s.fillValue) };
    const result: NDArray = out ?? { data: allocateFilled(s.dtype, product(s.shape), fill), shape: s.shape, dtype: s.dtype };
    for (let i = 0; i < nInner; i++) {
      const off = index[2 * i], nb = index[2 * i + 1];
      const start = coordsOf(i, chunksPerShard).map((c, d) => c * innerShape[d]);
      if (off === MISSING && nb === MISSING) {
        if (out) {
          const f = { data: allocateFilled(s.dtype, product(innerShape), fill), shape: innerShape, dtype: s.dtype };
          copyBox(s.dtype, f.data, innerShape, innerShape.map(() => 0), result.data, s.shape, start, innerShape);
        }
        continue;
      }
      if (off + nb > BigInt(b.length)) throw new ChunkError(`inner chunk ${i} at ${off}+${nb} lies outside the ${b.length}-byte shard`);
      const piece = await decodeChunk(inner, b.subarray(Number(off), Number(off + nb)), `inner chunk ${coordsOf(i, chunksPerShard).join(",")}`);
      copyBox(s.dtype, piece.data, innerShape, innerShape.map(() => 0), result.data, s.shape, start, innerShape);
    }
    return result;
  };

  const encode = async (a: NDArray): Promise<Uint8Array> => {
    const fill = { value: spec.fillValue, raw: spec.fillRaw ?? rawFill(spec.dtype, spec.fillValue) };
    const pieces: Uint8Array[] = [];
    const index = new BigUint64Array(2 * nInner).fill(MISSING);
    let offset = indexLocation === "start" ? fixedIndexSize : 0;
    for (let i = 0; i < nInner; i++) {
      const start = coordsOf(i, chunksPerShard).map((c, d) => c * innerShape[d]);
      const data = allocateFilled(spec.dtype, product(innerShape), fill);
      copyBox(spec.dtype, a.data, a.shape, start, data, innerShape, innerShape.map(() => 0), innerShape);
      if (isAllFill(spec.dtype, data, fill)) continue;
      const enc = await encodeChunk(inner, { data, shape: innerShape, dtype: spec.dtype });
      index[2 * i] = BigInt(offset);
      index[2 * i + 1] = BigInt(enc.length);
      offset += enc.length;
      pieces.push(enc);
    }
    const indexBytes = await encodeChunk(indexPipe, { data: index, shape: [...chunksPerShard, 2], dtype: U64 });
    const total = new Uint8Array(offset + (indexLocation === "end" ? fixedIndexSize : 0));
    let p = 0;
    if (indexLocation === "start") { total.set(indexBytes, 0); p = fixedIndexSize; }
    for (const piece of pieces) { total.set(piece, p); p += piece.length; }
    if (indexLocation === "end") total.set(indexBytes, p);
    return total;
  };

  const codec: ShardingCodec = { kind: "array-to-bytes", name: "sharding_indexed", encode, decode, shard: geometry };
  return codec;
};
