/**
 * Small NDArray utilities the codecs and the array layer share: allocate filled chunks,
 * copy n-d boxes bit-exactly, and test whether a chunk holds only the fill value.
 * Fixed-size data is moved as bytes (memcpy of contiguous runs), so NaN payloads and
 * -0.0 survive; plain JS arrays (strings, objects) are moved element by element.
 * @module
 */
import { allocate, bytesOf, layoutOf, type DataType, type DataValues } from "./dtype.js";
import { copyRegion } from "./copy.js";
import { SelectionError } from "./errors.js";
import type { FillValue } from "./fill-value.js";

/**
 * Reverse the byte order of every `width`-byte unit of `b`, in place, through Node's native
 * Buffer swaps (bit-exact: never through float reads). Widths 0 and 1 are no-ops.
 */
export function swapInPlace(b: Uint8Array, width: number): void {
  if (width <= 1 || b.length === 0) return;
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (width === 2) buf.swap16();
  else if (width === 4) buf.swap32();
  else if (width === 8) buf.swap64();
  else throw new RangeError(`no ${width}-byte swap`);
}

/** Element count of a shape. */
export const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Allocate `n` elements of `dt` set to the fill value. */
export function allocateFilled(dt: DataType, n: number, fill: FillValue): DataValues {
  const data = allocate(dt, n);
  if (Array.isArray(data)) {
    const v = fill.value === null || fill.value === undefined ? (dt.kind === "string" ? "" : dt.kind === "bytes" ? new Uint8Array(0) : null) : fill.value;
    (data as unknown[]).fill(v);
    return data;
  }
  if (fill.raw && fill.raw.some((b) => b !== 0)) fillBytes(bytesOf(data), fill.raw);
  return data;
}

/** Repeat `unit` over `dst` (doubling copies: O(log n) set calls). */
export function fillBytes(dst: Uint8Array, unit: Uint8Array): void {
  if (dst.length === 0) return;
  if (unit.length === 1) { dst.fill(unit[0]); return; }
  dst.set(unit.subarray(0, Math.min(unit.length, dst.length)));
  let filled = Math.min(unit.length, dst.length);
  while (filled < dst.length) {
    const n = Math.min(filled, dst.length - filled);
    dst.copyWithin(filled, 0, n);
    filled += n;
  }
}

/** True when every element of `data` equals the fill value (byte-wise for fixed-size types). */
export function isAllFill(dt: DataType, data: DataValues, fill: FillValue): boolean {
  if (Array.isArray(data)) {
    const fv = fill.value;
    if (dt.kind === "bytes") {
      const f = (fv ?? new Uint8Array(0)) as Uint8Array;
      return data.every((x) => x instanceof Uint8Array && x.length === f.length && x.every((b, i) => b === f[i]));
    }
    if (dt.kind === "string") return data.every((x) => x === (fv ?? ""));
    return false;
  }
  const b = bytesOf(data);
  const unit = fill.raw ?? new Uint8Array(layoutOf(dt).units * layoutOf(dt).unitBytes);
  const u = unit.length;
  if (u === 1) {
    const v = unit[0];
    for (let i = 0; i < b.length; i++) if (b[i] !== v) return false;
    return true;
  }
  for (let i = 0; i < u && i < b.length; i++) if (b[i] !== unit[i]) return false;
  // Compare the rest against the start, in growing blocks (the start is verified fill).
  return b.length <= u || Buffer.compare(Buffer.from(b.buffer, b.byteOffset + u, b.length - u), Buffer.from(b.buffer, b.byteOffset, b.length - u)) === 0;
}

/**
 * Copy the box `[srcStart, srcStart+size)` of `src` (shape `srcShape`) to `[dstStart, ...)` of
 * `dst` (shape `dstShape`); both C order, same dtype. A box-shaped call of the copy engine.
 */
export function copyBox(
  dt: DataType,
  src: DataValues, srcShape: readonly number[], srcStart: readonly number[],
  dst: DataValues, dstShape: readonly number[], dstStart: readonly number[],
  size: readonly number[],
): void {
  if (size.some((s) => s === 0)) return;
  const box = (start: readonly number[]) => size.map((n, d) => ({ start: start[d], step: 1, count: n }));
  copyRegion(src, srcShape, box(srcStart), dst, dstShape, box(dstStart), Array.isArray(src) ? 1 : layoutOf(dt).units);
}

/** Throw unless `shape` is a list of non-negative safe integers. */
export function checkShape(shape: readonly number[], what: string): void {
  if (!Array.isArray(shape)) throw new SelectionError(`${what} must be an array of integers`);
  for (const [d, n] of shape.entries())
    if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0)
      throw new SelectionError(`${what}[${d}] = ${String(n)} is not a non-negative integer`);
}

/** C-order strides (in elements) of a contiguous array of `shape`. */
export function cStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}
