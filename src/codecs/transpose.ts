/**
 * The v3 `transpose` codec (array → array): encoded axis i is decoded axis `order[i]`.
 * Old drafts (and zarr-python 2's v3 preview) wrote `"C"` (identity) and `"F"` (reversed
 * axes); both are accepted. The v2 pipeline uses `"F"`-style reversal for `order: "F"`.
 *
 * Elements move as integer words of their in-memory unit width (8-byte types as two 32-bit
 * words), never through float arithmetic, so NaN payloads and -0.0 are preserved.
 * @module
 */
import { allocate, bytesOf, layoutOf, type DataType, type DataValues } from "../format/dtype.js";
import { ChunkError, CodecError } from "../format/errors.js";
import { checkFields } from "./bytes-support.js";
import { cStrides, product } from "../format/ndarray.js";
import type { ArrayToArrayCodec, ChunkSpec, CodecContext, NDArray } from "./types.js";

const NAME = "transpose";

type Words = Uint8Array | Uint16Array | Uint32Array | unknown[];

/** Parse `order` against the chunk rank. */
function parseOrder(config: Record<string, unknown>, ndim: number, key?: string): number[] {
  checkFields(NAME, config, ["order"], key);
  const o = config.order;
  if (o === "C") return Array.from({ length: ndim }, (_, i) => i);
  if (o === "F") return Array.from({ length: ndim }, (_, i) => ndim - 1 - i);
  const bad = (why: string) => new CodecError(NAME, `configuration field "order" ${why}, got ${JSON.stringify(o)}`, key);
  if (!Array.isArray(o)) throw bad('must be a permutation array, "C" or "F"');
  if (o.length !== ndim) throw bad(`must have ${ndim} entries (the chunk rank)`);
  const seen = new Set<number>();
  for (const x of o) {
    if (typeof x !== "number" || !Number.isInteger(x) || x < 0 || x >= ndim || seen.has(x)) throw bad(`must be a permutation of 0..${ndim - 1}`);
    seen.add(x);
  }
  return o as number[];
}


/** An integer-word view of typed data (and the words per element), or the plain array itself. */
function wordsOf(data: DataValues, dt: DataType): { words: Words; per: number } {
  const { ctor, units, unitBytes } = layoutOf(dt);
  if (ctor === Array) return { words: data as unknown[], per: 1 };
  const b = bytesOf(data);
  // Typed data is aligned to its own unit width, so these views need no copy.
  switch (unitBytes) {
    case 1: return { words: b, per: units };
    case 2: return { words: new Uint16Array(b.buffer, b.byteOffset, b.byteLength / 2), per: units };
    default: return { words: new Uint32Array(b.buffer, b.byteOffset, b.byteLength / 4), per: units * (unitBytes / 4) };
  }
}

/** 2-D transpose of single-word elements, in cache-friendly tiles. */
function transpose2d(src: Words, dst: Words, rows: number, cols: number): void {
  const T = 64;
  for (let i0 = 0; i0 < cols; i0 += T) {
    const i1 = Math.min(i0 + T, cols);
    for (let j0 = 0; j0 < rows; j0 += T) {
      const j1 = Math.min(j0 + T, rows);
      for (let i = i0; i < i1; i++) {
        let o = i * rows + j0;
        let s = j0 * cols + i;
        for (let j = j0; j < j1; j++, s += cols) dst[o++] = src[s];
      }
    }
  }
}

/**
 * Permute axes: result shape[i] = shape[perm[i]], result[e] = src[d] with d[perm[i]] = e[i].
 * Returns the input data unchanged for the identity permutation.
 */
export function permute(data: DataValues, shape: readonly number[], dt: DataType, perm: readonly number[]): { data: DataValues; shape: number[] } {
  const outShape = perm.map((p) => shape[p]);
  if (perm.every((p, i) => p === i)) return { data, shape: outShape };
  const n = product(shape);
  const out = allocate(dt, n);
  const { words: src, per } = wordsOf(data, dt);
  const { words: dst } = wordsOf(out, dt);
  if (n === 0) return { data: out, shape: outShape };
  const srcStrides = cStrides(shape);
  // Source stride (in elements) along each output axis.
  const st = perm.map((p) => srcStrides[p]);
  const nd = outShape.length;
  if (nd === 2 && per === 1) {
    transpose2d(src, dst, shape[0], shape[1]);
    return { data: out, shape: outShape };
  }
  const last = outShape[nd - 1], sLast = st[nd - 1] * per;
  const idx = new Array<number>(nd - 1).fill(0);
  let base = 0, o = 0;
  const outer = n / last;
  for (let k = 0; k < outer; k++) {
    let s = base * per;
    if (per === 1) {
      for (let j = 0; j < last; j++, s += sLast) dst[o++] = src[s];
    } else {
      for (let j = 0; j < last; j++, s += sLast) for (let w = 0; w < per; w++) dst[o++] = src[s + w];
    }
    // Odometer over the outer output axes, tracking the source offset.
    for (let ax = nd - 2; ax >= 0; ax--) {
      base += st[ax];
      if (++idx[ax] < outShape[ax]) break;
      base -= st[ax] * outShape[ax];
      idx[ax] = 0;
    }
  }
  return { data: out, shape: outShape };
}

/** Factory for the `transpose` codec: `{order: number[] | "C" | "F"}`. */
export function transpose(configuration: Record<string, unknown>, context: CodecContext): ArrayToArrayCodec {
  const { key } = context;
  const order = parseOrder(configuration ?? {}, context.spec.shape.length, key);
  const inverse = new Array<number>(order.length);
  order.forEach((p, i) => { inverse[p] = i; });
  const check = (shape: readonly number[], what: string, Err: typeof CodecError | typeof ChunkError) => {
    if (shape.length !== order.length) {
      const msg = `${what} has rank ${shape.length} but order has ${order.length} axes`;
      throw Err === CodecError ? new CodecError(NAME, msg, key) : new ChunkError(`codec ${NAME}: ${msg}`, key);
    }
  };
  const checkLength = (a: NDArray, Err: typeof CodecError | typeof ChunkError) => {
    const want = product(a.shape) * layoutOf(a.dtype).units;
    const have = (a.data as ArrayLike<unknown>).length;
    if (have !== want) {
      const msg = `array has ${have} values but shape [${a.shape}] needs ${want}`;
      throw Err === CodecError ? new CodecError(NAME, msg, key) : new ChunkError(`codec ${NAME}: ${msg}`, key);
    }
  };
  return {
    kind: "array-to-array",
    name: NAME,
    encodedSpec(spec: ChunkSpec): ChunkSpec {
      check(spec.shape, "chunk", CodecError);
      return { ...spec, shape: order.map((p) => spec.shape[p]) };
    },
    async encode(a: NDArray): Promise<NDArray> {
      check(a.shape, "array", CodecError);
      checkLength(a, CodecError);
      const r = permute(a.data, a.shape, a.dtype, order);
      return { data: r.data, shape: r.shape, dtype: a.dtype };
    },
    async decode(a: NDArray, spec: ChunkSpec): Promise<NDArray> {
      check(a.shape, "encoded array", ChunkError);
      checkLength(a, ChunkError);
      const r = permute(a.data, a.shape, a.dtype, inverse);
      if (r.shape.some((x, i) => x !== spec.shape[i]) || r.shape.length !== spec.shape.length) {
        throw new ChunkError(`codec ${NAME}: decoded shape [${r.shape}] is not the chunk shape [${spec.shape}]`, key);
      }
      return { data: r.data, shape: spec.shape.slice(), dtype: spec.dtype };
    },
  };
}
