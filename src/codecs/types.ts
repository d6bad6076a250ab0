/**
 * The codec contract. A codec is a plain ES-module export: a factory
 * `(configuration, context) => Codec` found by module URL + export name (see registry.ts),
 * so a worker thread can load any codec, built-in or user-registered, by name.
 *
 * Three stages, as in the v3 spec (and zarrs): array→array, array→bytes, bytes→bytes.
 * v2 filters and compressors map onto the same stages (pipeline.ts).
 * @module
 */
import type { DataType, DataValues } from "../format/dtype.js";

/** An n-dimensional array in memory: C order, native byte order (see format/dtype.ts for `data`). */
export interface NDArray<T extends DataValues = DataValues> {
  data: T;
  shape: number[];
  dtype: DataType;
}

/** What enters a codec on the decoded side: chunk shape, dtype and fill value. */
export interface ChunkSpec {
  shape: number[];
  dtype: DataType;
  /** Fill value as a JS value of the dtype's representation (number, bigint, string, Uint8Array...). */
  fillValue: unknown;
  /** The fill value as one raw element (native order) for fixed-size dtypes; keeps NaN payloads. */
  fillRaw?: Uint8Array;
}

/** Context handed to a codec factory. */
export interface CodecContext {
  /** The decoded-side spec of this codec's input (for bytes→bytes codecs: of the array that became bytes). */
  spec: ChunkSpec;
  zarrFormat: 2 | 3;
  /** Store key of the array's metadata, for error messages. */
  key?: string;
}

/** array → array (transpose, delta, scale-offset, astype...). */
export interface ArrayToArrayCodec {
  kind: "array-to-array";
  name: string;
  /** Spec of the encoded array given the decoded spec. */
  encodedSpec(spec: ChunkSpec): ChunkSpec;
  encode(a: NDArray): Promise<NDArray>;
  /** Decode `a` (encoded spec) back to the decoded `spec`. */
  decode(a: NDArray, spec: ChunkSpec): Promise<NDArray>;
}

/** array → bytes (bytes, vlen-utf8, json2, sharding_indexed...). */
export interface ArrayToBytesCodec {
  kind: "array-to-bytes";
  name: string;
  encode(a: NDArray): Promise<Uint8Array>;
  /**
   * Decode into an array of `spec`. When `out` is given (same dtype and element count as `spec`),
   * decode straight into its data and return it.
   */
  decode(b: Uint8Array, spec: ChunkSpec, out?: NDArray): Promise<NDArray>;
  /** Encoded size in bytes when it depends only on the spec (fixed-size types), else undefined. */
  encodedSize?(spec: ChunkSpec): number | undefined;
}

/** bytes → bytes (compressors, checksums, byte shuffles). */
export interface BytesToBytesCodec {
  kind: "bytes-to-bytes";
  name: string;
  encode(b: Uint8Array): Promise<Uint8Array>;
  /**
   * Decode. When `out` is given and has exactly the decoded length, write into it and return it;
   * codecs that cannot decode in place copy into it.
   */
  decode(b: Uint8Array, out?: Uint8Array): Promise<Uint8Array>;
  /** Encoded size from decoded size, when fixed (checksums: +4 bytes). */
  encodedSize?(decodedSize: number): number | undefined;
}

/** Any codec. */
export type Codec = ArrayToArrayCodec | ArrayToBytesCodec | BytesToBytesCodec;

/**
 * A codec factory, the unit of registration. `configuration` is the v3 `configuration`
 * object, or for v2 the numcodecs JSON minus `id`. Factories validate it and throw
 * CodecError naming the codec and field.
 */
export type CodecFactory = (configuration: Record<string, unknown>, context: CodecContext) => Codec | Promise<Codec>;

/** Where a codec factory lives: an ES module URL and an export name. */
export interface CodecLocation {
  module: string;
  export: string;
}
