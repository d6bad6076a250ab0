/**
 * The parse buffers of one chunk row: for every array with a variants dimension, its values
 * for `rows` records, laid out as the array (C order). Fixed-size values live in shared
 * memory so the worker pool encodes chunks straight from them, without copies.
 * @module
 */
import type { NDArray } from "../../codecs/types.js";
import { toDataType } from "../../format/dtype.js";
import type { ArraySpec } from "./fields.js";

/** Bit pattern of a missing float32 (the spec's, after BCF). */
export const FLOAT_MISSING_BITS = 0x7f800001;
/** Bit pattern of a float32 fill (padding) value. */
export const FLOAT_FILL_BITS = 0x7f800002;
/** Missing Integer. */
export const INT_MISSING = -1;
/** Integer fill (padding, mixed ploidy). */
export const INT_FILL = -2;

/** One array's buffer; `inner` is the number of elements of one record (row). */
export type Column =
  | { kind: "int"; spec: ArraySpec; inner: number; data: Int8Array | Int16Array | Int32Array }
  | { kind: "float"; spec: ArraySpec; inner: number; data: Float32Array; bits: Int32Array }
  | { kind: "bool"; spec: ArraySpec; inner: number; data: Uint8Array }
  | { kind: "char"; spec: ArraySpec; inner: number; data: Uint32Array }
  | { kind: "string"; spec: ArraySpec; inner: number; data: string[] };

/** Buffers by array name. */
export type Columns = Map<string, Column>;

const shared = (bytes: number) => new SharedArrayBuffer(Math.max(bytes, 8));

/** Allocate the buffers of `rows` records for every spec. */
export function allocateColumns(specs: readonly ArraySpec[], rows: number): Columns {
  const out: Columns = new Map();
  for (const spec of specs) {
    const inner = spec.shape.slice(1).reduce((a, b) => a * b, 1);
    const n = rows * inner;
    let c: Column;
    switch (spec.kind) {
      case "int": {
        const data = spec.dtype === "int8" ? new Int8Array(shared(n)) : spec.dtype === "int16" ? new Int16Array(shared(2 * n)) : new Int32Array(shared(4 * n));
        c = { kind: "int", spec, inner, data };
        break;
      }
      case "float": {
        const buf = shared(4 * n);
        c = { kind: "float", spec, inner, data: new Float32Array(buf), bits: new Int32Array(buf) };
        break;
      }
      case "bool": c = { kind: "bool", spec, inner, data: new Uint8Array(shared(n)) }; break;
      case "char": c = { kind: "char", spec, inner, data: new Uint32Array(shared(4 * n)) }; break;
      case "string": c = { kind: "string", spec, inner, data: new Array<string>(n).fill(".") }; break;
    }
    out.set(spec.name, c);
  }
  return out;
}

/**
 * Reset every buffer to the value of an absent field: missing (-1, the missing NaN, ".")
 * and false. Parsing then only writes what a record has.
 */
export function resetColumns(cols: Columns): void {
  for (const c of cols.values()) {
    switch (c.kind) {
      case "int": c.data.fill(INT_MISSING); break;
      case "float": c.bits.fill(FLOAT_MISSING_BITS); break;
      case "bool": c.data.fill(0); break;
      case "char": c.data.fill(46); break;
      case "string": c.data.fill("."); break;
    }
  }
}

/** The first `rows` records of a column as an array value for `set`. */
export function columnValue(c: Column, rows: number): NDArray {
  const n = rows * c.inner;
  const data = c.kind === "string" ? (n === c.data.length ? c.data : c.data.slice(0, n)) : c.data.subarray(0, n);
  return { data, shape: [rows, ...c.spec.shape.slice(1)], dtype: toDataType(c.spec.dtype) };
}

/** Bytes held by a buffer set (a string slot counted as an 8-byte reference). */
export function columnsBytes(cols: Columns): number {
  let n = 0;
  for (const c of cols.values()) n += c.kind === "string" ? 8 * c.data.length : c.data.byteLength;
  return n;
}
