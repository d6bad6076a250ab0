// Plain-JS references for the structural operations: each computes, over the full data, which
// source element lands at each output position (flat C-order indices), written directly from
// numpy's definitions; `gather` turns that into the expected bytes. Also the test data.
import type { NDArray } from "../../../src/codecs/types.js";
import { toDataType } from "../../../src/format/dtype.js";

/** Element count. */
export const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** C-order flat index of `idx` in `shape`. */
export function flat(shape: readonly number[], idx: readonly number[]): number {
  let f = 0;
  for (let d = 0; d < shape.length; d++) f = f * shape[d] + idx[d];
  return f;
}

/** Every index of `shape` in C order. */
export function* indices(shape: readonly number[]): Generator<number[]> {
  if (shape.some((n) => n === 0)) return;
  const idx = new Array<number>(shape.length).fill(0);
  for (;;) {
    yield [...idx];
    let d = shape.length - 1;
    for (; d >= 0; d--) { if (++idx[d] < shape[d]) break; idx[d] = 0; }
    if (d < 0) return;
  }
}

/** Python's `range(*slice(start, stop, step).indices(n))`. */
export function sliceRange(n: number, start?: number | null, stop?: number | null, step?: number | null): number[] {
  const st = step ?? 1;
  const out: number[] = [];
  if (st > 0) {
    let a = start ?? 0, b = stop ?? n;
    if (a < 0) a = Math.max(0, a + n); else a = Math.min(a, n);
    if (b < 0) b = Math.max(0, b + n); else b = Math.min(b, n);
    for (let i = a; i < b; i += st) out.push(i);
  } else {
    let a = start ?? n - 1, b = stop ?? -1 - n;
    if (a < 0) a = Math.max(-1, a + n); else a = Math.min(a, n - 1);
    if (b < 0) b = Math.max(-1, b + n); else b = Math.min(b, n - 1);
    for (let i = a; i > b; i += st) out.push(i);
  }
  return out;
}

/** One dimension of a test selection. */
export type RefDim = number | null | { start?: number | null; stop?: number | null; step?: number | null } | number[];

/** Orthogonal selection: output shape and, per output element, the source flat index. */
export function refSelect(shape: readonly number[], sel: readonly RefDim[]): { shape: number[]; from: number[] } {
  const per: (number[] | number)[] = shape.map((n, d) => {
    const s = sel[d] ?? null;
    if (s === null) return sliceRange(n);
    if (typeof s === "number") return s < 0 ? s + n : s;
    if (Array.isArray(s)) return s.map((i) => (i < 0 ? i + n : i));
    return sliceRange(n, s.start, s.stop, s.step);
  });
  const kept = per.filter((p): p is number[] => Array.isArray(p));
  const outShape = kept.map((p) => p.length);
  const from: number[] = [];
  for (const o of indices(outShape)) {
    let k = 0;
    from.push(flat(shape, per.map((p) => (Array.isArray(p) ? p[o[k++]] : p))));
  }
  return { shape: outShape, from };
}

/** numpy transpose: output shape and source flat index per output element. */
export function refTranspose(shape: readonly number[], axes: readonly number[]): { shape: number[]; from: number[] } {
  const outShape = axes.map((a) => shape[a]);
  const from: number[] = [];
  for (const o of indices(outShape)) {
    const i = new Array<number>(shape.length);
    axes.forEach((a, d) => (i[a] = o[d]));
    from.push(flat(shape, i));
  }
  return { shape: outShape, from };
}

/** numpy concatenate: output shape and (input, flat index) per output element. */
export function refConcat(shapes: readonly (readonly number[])[], axis: number): { shape: number[]; from: [number, number][] } {
  const outShape = [...shapes[0]];
  outShape[axis] = shapes.reduce((n, s) => n + s[axis], 0);
  const from: [number, number][] = [];
  for (const o of indices(outShape)) {
    let k = 0, pos = o[axis];
    while (pos >= shapes[k][axis]) pos -= shapes[k++][axis];
    const i = [...o];
    i[axis] = pos;
    from.push([k, flat(shapes[k], i)]);
  }
  return { shape: outShape, from };
}

/** numpy stack: output shape and (input, flat index) per output element. */
export function refStack(shape: readonly number[], n: number, axis: number): { shape: number[]; from: [number, number][] } {
  const outShape = [...shape];
  outShape.splice(axis, 0, n);
  const from: [number, number][] = [];
  for (const o of indices(outShape)) {
    const i = [...o];
    const [k] = i.splice(axis, 1);
    from.push([k, flat(shape, i)]);
  }
  return { shape: outShape, from };
}

/** Bytes of the data of `a`. */
export function bytes(a: NDArray): Uint8Array {
  const d = a.data as unknown as ArrayBufferView;
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/** Expected bytes: element `from[i]` of `srcs[k]` (eb bytes each) at position i. */
export function gather(srcs: readonly Uint8Array[], eb: number, from: readonly (number | [number, number])[]): Uint8Array {
  const out = new Uint8Array(from.length * eb);
  from.forEach((f, i) => {
    const [k, j] = typeof f === "number" ? [0, f] : f;
    out.set(srcs[k].subarray(j * eb, j * eb + eb), i * eb);
  });
  return out;
}

/** float64 test data with NaN payloads (quiet and signalling bit patterns), ±0, ±Inf. */
export function floats(shape: readonly number[], seed = 1): NDArray {
  const n = size(shape);
  const data = new Float64Array(new SharedArrayBuffer(n * 8));
  const dv = new DataView(data.buffer);
  for (let i = 0; i < n; i++) {
    switch ((i * 7 + seed) % 11) {
      case 0: dv.setBigUint64(i * 8, 0x7ff8000000000123n + BigInt(i), true); break; // NaN with payload
      case 1: data[i] = -0; break;
      case 2: dv.setBigUint64(i * 8, 0xfff0000000000001n, true); break; // signalling NaN pattern
      case 3: data[i] = -Infinity; break;
      default: data[i] = (i * 13 + seed) / 8 - 40;
    }
  }
  return { data, shape: [...shape], dtype: toDataType("float64") };
}

/** int64 test data including the extremes. */
export function bigints(shape: readonly number[]): NDArray {
  const n = size(shape);
  const data = new BigInt64Array(new SharedArrayBuffer(n * 8));
  for (let i = 0; i < n; i++) data[i] = i % 5 === 0 ? -(2n ** 63n) + BigInt(i) : i % 5 === 1 ? 2n ** 63n - 1n - BigInt(i) : BigInt(i) * 1234567891011n;
  return { data, shape: [...shape], dtype: toDataType("int64") };
}

/** Small integers of `dtype` (int8/int16/int32). */
export function ints(shape: readonly number[], dtype: "int8" | "int16" | "int32" = "int16"): NDArray {
  const n = size(shape);
  const Ctor = dtype === "int8" ? Int8Array : dtype === "int16" ? Int16Array : Int32Array;
  const data = new Ctor(new SharedArrayBuffer(n * Ctor.BYTES_PER_ELEMENT) as unknown as ArrayBuffer);
  for (let i = 0; i < n; i++) data[i] = ((i * 37) % 251) - 125;
  return { data, shape: [...shape], dtype: toDataType(dtype) };
}
