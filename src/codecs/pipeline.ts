/**
 * The codec pipeline of an array: array→array codecs, one array→bytes codec, then
 * bytes→bytes codecs (v3 order). v2 metadata maps onto it: order "F" becomes a transpose,
 * filters and the compressor follow, and the implicit serializer (`bytes` with the dtype's
 * byte order) is inserted where the data turns into bytes.
 *
 * A pipeline description is plain data ({@link PipelineSpec}); {@link buildPipeline} loads
 * the codecs by module URL + export name, so a worker can rebuild it from the same data.
 * @module
 */
import { bytesOf, type DataType } from "../format/dtype.js";
import { CodecError, ChunkError, ZarrError } from "../format/errors.js";
import type { ArrayMetadata, CodecSpec } from "../format/metadata.js";
import { loadCodec, locateCodec } from "./registry.js";
import type { ArrayToArrayCodec, ArrayToBytesCodec, BytesToBytesCodec, ChunkSpec, Codec, NDArray } from "./types.js";

/** Plain-data description of a pipeline: enough to rebuild it anywhere. */
export interface PipelineSpec {
  zarrFormat: 2 | 3;
  codecs: CodecSpec[];
  /** Decoded chunk spec. */
  chunk: ChunkSpec;
  /** Metadata key, for messages. */
  key?: string;
}

/** A built pipeline. */
export interface Pipeline {
  spec: PipelineSpec;
  arrayToArray: { codec: ArrayToArrayCodec; input: ChunkSpec }[];
  arrayToBytes: { codec: ArrayToBytesCodec; input: ChunkSpec };
  bytesToBytes: BytesToBytesCodec[];
}

function endianOf(dt: DataType): "little" | "big" {
  return "endian" in dt ? dt.endian : "little";
}

/** The pipeline spec of an array (v2 translated to the staged form). */
export function pipelineSpecOf(meta: ArrayMetadata, key?: string): PipelineSpec {
  const chunk: ChunkSpec = { shape: meta.chunkShape, dtype: meta.dtype, fillValue: meta.fill.value, fillRaw: meta.fill.raw };
  if (meta.zarrFormat === 3) return { zarrFormat: 3, codecs: meta.codecs, chunk, key };
  const codecs: CodecSpec[] = [];
  if (meta.order === "F" && meta.chunkShape.length > 1)
    codecs.push({ name: "transpose", configuration: { order: meta.chunkShape.map((_, i) => meta.chunkShape.length - 1 - i) } });
  for (const f of meta.filters ?? []) codecs.push(f);
  if (meta.compressor) codecs.push(meta.compressor);
  return { zarrFormat: 2, codecs, chunk, key };
}

async function instantiate(c: CodecSpec, format: 2 | 3, spec: ChunkSpec, key?: string): Promise<Codec> {
  // v2 order "F" is expressed with the v3 transpose codec (see pipelineSpecOf).
  const lookupFormat = format === 2 && c.name === "transpose" ? 3 : format;
  const factory = await loadCodec(locateCodec(c.name, lookupFormat, key));
  try {
    return await factory(c.configuration, { spec, zarrFormat: format, key });
  } catch (e) {
    if (e instanceof ZarrError) throw e;
    throw new CodecError(c.name, `invalid configuration: ${(e as Error).message}`, key, { cause: e });
  }
}

/** Load and configure every codec of `spec`. */
export async function buildPipeline(spec: PipelineSpec): Promise<Pipeline> {
  const { zarrFormat: format, key } = spec;
  let current = spec.chunk;
  const arrayToArray: Pipeline["arrayToArray"] = [];
  let arrayToBytes: Pipeline["arrayToBytes"] | undefined;
  const bytesToBytes: BytesToBytesCodec[] = [];
  const implicitBytes = async () => {
    const codec = await instantiate({ name: "bytes", configuration: { endian: endianOf(current.dtype) } }, 3, current, key);
    return { codec: codec as ArrayToBytesCodec, input: current };
  };
  for (const c of spec.codecs) {
    const codec = await instantiate(c, format, current, key);
    if (codec.kind === "array-to-array") {
      if (arrayToBytes) throw new CodecError(c.name, "an array→array codec cannot follow the array→bytes stage", key);
      arrayToArray.push({ codec, input: current });
      current = codec.encodedSpec(current);
    } else if (codec.kind === "array-to-bytes") {
      if (arrayToBytes) throw new CodecError(c.name, `a second array→bytes codec (after ${arrayToBytes.codec.name})`, key);
      arrayToBytes = { codec, input: current };
    } else {
      if (!arrayToBytes) {
        if (format === 3) throw new CodecError(c.name, "a bytes→bytes codec before the array→bytes codec", key);
        arrayToBytes = await implicitBytes();
      }
      bytesToBytes.push(codec);
    }
  }
  if (!arrayToBytes) {
    if (format === 3) throw new CodecError("(pipeline)", "no array→bytes codec (e.g. bytes)", key);
    arrayToBytes = await implicitBytes();
  }
  return { spec, arrayToArray, arrayToBytes, bytesToBytes };
}

/**
 * Decode one stored chunk to an NDArray of the chunk shape. When `out` is given (same dtype,
 * chunk's element count) the data lands in it where the codecs allow.
 * `chunkKey` names the chunk in errors.
 */
export async function decodeChunk(p: Pipeline, bytes: Uint8Array, chunkKey?: string, out?: NDArray): Promise<NDArray> {
  try {
    let b = bytes;
    const a2b = p.arrayToBytes;
    // Fast path: when the serializer is `bytes` and nothing follows it, the last bytes→bytes
    // decode (e.g. blosc) writes straight into the caller's output memory.
    const direct = out && p.arrayToArray.length === 0 && a2b.codec.name === "bytes" && !Array.isArray(out.data) ? bytesOf(out.data) : undefined;
    for (let i = p.bytesToBytes.length - 1; i >= 0; i--) b = await p.bytesToBytes[i].decode(b, i === 0 && direct && direct.byteLength === a2b.codec.encodedSize?.(a2b.input) ? direct : undefined);
    let a = await a2b.codec.decode(b, a2b.input, p.arrayToArray.length === 0 ? out : undefined);
    for (let i = p.arrayToArray.length - 1; i >= 0; i--) {
      const { codec, input } = p.arrayToArray[i];
      a = await codec.decode(a, input);
    }
    return a;
  } catch (e) {
    throw wrap(e, chunkKey, "decode");
  }
}

/** Encode one chunk (C order, chunk shape) to stored bytes. */
export async function encodeChunk(p: Pipeline, a: NDArray, chunkKey?: string): Promise<Uint8Array> {
  try {
    for (const { codec } of p.arrayToArray) a = await codec.encode(a);
    let b = await p.arrayToBytes.codec.encode(a);
    for (const c of p.bytesToBytes) b = await c.encode(b);
    return b;
  } catch (e) {
    throw wrap(e, chunkKey, "encode");
  }
}

function wrap(e: unknown, chunkKey: string | undefined, what: string): Error {
  if (e instanceof ZarrError) {
    // Name the chunk: codec errors carry the metadata key they were configured with.
    if (chunkKey === undefined || e.key === chunkKey || (e instanceof ChunkError && e.key?.startsWith(chunkKey))) return e;
    return new ChunkError(`cannot ${what}: ${e.message}`, chunkKey, { cause: e });
  }
  return new ChunkError(`cannot ${what}: ${(e as Error)?.message ?? String(e)}`, chunkKey, { cause: e });
}
