/**
 * The copy engine: moves selected elements between flat C-order buffers (decoded chunks
 * and selection outputs). Hand-written because no installed library does strided n-d copies
 * over typed arrays. Unit-stride runs go through `TypedArray.prototype.set` (a memmove);
 * everything else through tight loops over unsigned integer views, so every bit (NaN payloads,
 * -0.0) survives, whatever typed view the caller passes.
 *
 * Buffers are typed containers with `units` container elements per array element (2 for
 * complex, n for S/U/V/structured; see format/dtype.ts) or plain JS arrays (units 1).
 * Source and destination must not overlap.
 * @module
 */
import { SelectionError } from "./errors.js";
import type { DataValues } from "./dtype.js";
import type { DimSel } from "./region.js";
import { byteOffsetOf, isTyped, narrowView, unitBytesOf, wordFor } from "./copy-raw.js";
import { axisOffset, mergeAxes, pairWalks, prepareWalk, type Axis } from "./copy-plan.js";

export { rawView, type RawView } from "./copy-raw.js";

/** Indexable buffer as the loops see it. */
type Buf = { [i: number]: unknown; length: number };
type TypedBuf = Uint8Array | Uint16Array | Uint32Array;

/** Below this many words a plain loop beats creating a subarray for `set` (measured). */
const SET_MIN = 24;

function checkUnits(units: number): void {
  if (!Number.isSafeInteger(units) || units < 1) throw new SelectionError(`units must be a positive integer, got ${units}`);
}

function checkLength(buf: Buf, shape: readonly number[], units: number, what: string): void {
  const need = shape.reduce((a, b) => a * b, 1) * units;
  if (buf.length < need) throw new SelectionError(`${what} holds ${buf.length} units but shape [${shape.join(", ")}] needs ${need}`);
}

/**
 * Copy the elements `srcSel` selects in `src` (shape `srcShape`) into the positions `dstSel`
 * selects in `dst` (shape `dstShape`), pairing them in C order. The two selections must have
 * the same per-dimension counts once dimensions selecting a single index are left out
 * (so an integer-indexed chunk dimension pairs with its dropped output dimension).
 * A `null` selection means the whole buffer. Duplicate destination positions: the later
 * element in C order wins. `units` counts container elements of `src` per element; typed
 * `dst` may use another container width as long as an element has the same byte size.
 */
export function copyRegion(
  src: DataValues, srcShape: readonly number[], srcSel: readonly DimSel[] | null,
  dst: DataValues, dstShape: readonly number[], dstSel: readonly DimSel[] | null,
  units = 1,
): void {
  checkUnits(units);
  let s: Buf;
  let d: Buf;
  let su = units;
  let du = units;
  const typed = isTyped(src) && isTyped(dst);
  if (typed) {
    // Move elements as unsigned words of the widest width that fits both buffers.
    const elemBytes = units * unitBytesOf(src);
    if (elemBytes % unitBytesOf(dst) !== 0)
      throw new SelectionError(`source elements are ${elemBytes} bytes, not a multiple of the destination's ${unitBytesOf(dst)}-byte units`);
    const w = wordFor(elemBytes, src, dst);
    s = narrowView(src, w);
    d = narrowView(dst, w);
    su = du = elemBytes / w;
  } else {
    if (isTyped(src) !== isTyped(dst) && units !== 1)
      throw new SelectionError("copying between a typed buffer and a plain array needs units = 1");
    s = src as Buf;
    d = dst as Buf;
  }
  const sw = prepareWalk(srcShape, srcSel, su, "source");
  const dw = prepareWalk(dstShape, dstSel, du, "destination");
  checkLength(s, srcShape, su, "source");
  checkLength(d, dstShape, du, "destination");
  if (sw.total === 0 && dw.total === 0) return;
  let { src: sa, dst: da } = pairWalks(sw, dw);
  let unit = su;
  let sBase = sw.base;
  let dBase = dw.base;
  const k = sa.length;
  if (typed && k > 0) {
    const wide = widened(src, dst, sa, da, sBase, dBase, unit, unitBytesOf(s as DataValues));
    if (wide) ({ s, d, sa, da, unit, sBase, dBase } = wide);
  }
  if (k === 0) { copyRun(s, sBase, d, dBase, unit, typed); return; }
  if (k === 2 && typed && unit < SET_MIN && isRowsOfRuns(sa, da, unit)) {
    copyRows(s as TypedBuf, sBase, sa[0].step, d as TypedBuf, dBase, da[0].step, sa[0].count, unit);
    return;
  }
  const run = innerKernel(sa[k - 1], da[k - 1], unit, typed);
  if (k === 1) { run(s, sBase, d, dBase); return; }
  walkOuter(sa, da, sBase, dBase, (so, dO) => run(s, so, d, dO));
}

/**
 * The same copy in wider words, when its innermost axis is one contiguous run in both buffers
 * and every run starts on a wider boundary: rows of a few int8/int16 elements (an HDF5 chunk of
 * 10 samples × 2 placed into a wider block: 20-byte runs) then move 4 bytes per step instead
 * of 1. Undefined when the layout does not allow a wider word than `w` (bytes per word now).
 */
function widened(src: DataValues, dst: DataValues, sa: Axis[], da: Axis[], sBase: number, dBase: number, unit: number, w: number):
  { s: Buf; d: Buf; sa: Axis[]; da: Axis[]; unit: number; sBase: number; dBase: number } | undefined {
  if (w >= 4) return undefined;
  const k = sa.length;
  const a = sa[k - 1];
  const b = da[k - 1];
  if (a.list !== null || b.list !== null || a.step !== unit || b.step !== unit) return undefined;
  const runBytes = a.count * unit * w;
  const bytes = (x: number) => x * w;
  const offsets = [bytes(sBase), bytes(dBase), runBytes];
  for (let j = 0; j < k - 1; j++) for (const ax of [sa[j], da[j]]) offsets.push(bytes(ax.list === null ? ax.step : ax.stride));
  const W = ([4, 2] as const).find((x) => x > w && offsets.every((o) => o % x === 0) && [src, dst].every((t) => byteOffsetOf(t) % x === 0));
  if (W === undefined) return undefined;
  const f = W / w;
  const len = runBytes / W;
  const scale = (ax: Axis): Axis => ({ count: ax.count, step: ax.list === null ? ax.step / f : ax.step, list: ax.list, stride: ax.list === null ? ax.stride : ax.stride / f });
  const inner: Axis = { count: 1, step: len, list: null, stride: len };
  return {
    s: narrowView(src, W), d: narrowView(dst, W),
    sa: [...sa.slice(0, k - 1).map(scale), inner], da: [...da.slice(0, k - 1).map(scale), inner],
    unit: len, sBase: sBase / f, dBase: dBase / f,
  };
}

/** Strided rows (range outer axis) of one short contiguous run each (inner axis of one run). */
function isRowsOfRuns(sa: Axis[], da: Axis[], unit: number): boolean {
  return sa[0].list === null && da[0].list === null && sa[1].list === null && da[1].list === null &&
    sa[1].count === 1 && sa[1].step === unit && da[1].step === unit;
}

/** `rows` runs of `len` words, `ss` / `ds` words apart: one loop nest, no call per row. */
function copyRows(s: TypedBuf, so: number, ss: number, d: TypedBuf, dO: number, ds: number, rows: number, len: number): void {
  for (let r = 0; r < rows; r++, so += ss, dO += ds) for (let i = 0; i < len; i++) d[dO + i] = s[so + i];
}

/** Copy `len` consecutive units. */
function copyRun(s: Buf, so: number, d: Buf, dO: number, len: number, typed: boolean): void {
  if (typed && len >= SET_MIN) {
    (d as TypedBuf).set((s as TypedBuf).subarray(so, so + len), dO);
    return;
  }
  for (let i = 0; i < len; i++) d[dO + i] = s[so + i];
}

type Run = (s: Buf, so: number, d: Buf, dO: number) => void;

/** The loop for the innermost axis, specialised on its shape. */
function innerKernel(a: Axis, b: Axis, unit: number, typed: boolean): Run {
  const n = a.count;
  const sl = a.list;
  const dl = b.list;
  const ss = a.step;
  const ds = b.step;
  if (sl === null && dl === null && ss === unit && ds === unit) {
    const len = n * unit;
    if (typed && len >= SET_MIN) return (s, so, d, dO) => { (d as TypedBuf).set((s as TypedBuf).subarray(so, so + len), dO); };
    return (s, so, d, dO) => { for (let i = 0; i < len; i++) d[dO + i] = s[so + i]; };
  }
  if (unit === 1) {
    const sst = a.stride;
    const dst = b.stride;
    if (sl === null && dl === null)
      return (s, so, d, dO) => { for (let i = 0; i < n; i++, so += ss, dO += ds) d[dO] = s[so]; };
    if (sl !== null && dl === null)
      return (s, so, d, dO) => { for (let i = 0; i < n; i++, dO += ds) d[dO] = s[so + sl[i] * sst]; };
    if (sl === null && dl !== null)
      return (s, so, d, dO) => { for (let i = 0; i < n; i++, so += ss) d[dO + dl[i] * dst] = s[so]; };
    return (s, so, d, dO) => { for (let i = 0; i < n; i++) d[dO + dl![i] * dst] = s[so + sl![i] * sst]; };
  }
  return (s, so, d, dO) => {
    for (let i = 0; i < n; i++) copyRun(s, so + axisOffset(a, i), d, dO + axisOffset(b, i), unit, typed);
  };
}

/** Odometer over every axis but the innermost, calling `run` with the two base offsets. */
function walkOuter(sa: Axis[], da: Axis[], sBase: number, dBase: number, run: (so: number, dO: number) => void): void {
  const m = sa.length - 1;
  if (m === 0) { run(sBase, dBase); return; }
  if (m === 1 && sa[0].list === null && da[0].list === null) {
    // The common 2-axis strided case (rows of a chunk): no odometer needed.
    const n = sa[0].count;
    const ss = sa[0].step;
    const ds = da[0].step;
    for (let i = 0; i < n; i++, sBase += ss, dBase += ds) run(sBase, dBase);
    return;
  }
  const idx = new Float64Array(m);
  // Per-axis offset contributions, kept so a step of one axis is O(axes), not O(elements).
  const cs = sa.slice(0, m).map((a) => axisOffset(a, 0));
  const cd = da.slice(0, m).map((a) => axisOffset(a, 0));
  for (;;) {
    let so = sBase;
    let dO = dBase;
    for (let j = 0; j < m; j++) { so += cs[j]; dO += cd[j]; }
    run(so, dO);
    let j = m - 1;
    for (; j >= 0; j--) {
      if (++idx[j] < sa[j].count) {
        cs[j] = axisOffset(sa[j], idx[j]);
        cd[j] = axisOffset(da[j], idx[j]);
        break;
      }
      idx[j] = 0;
      cs[j] = axisOffset(sa[j], 0);
      cd[j] = axisOffset(da[j], 0);
    }
    if (j < 0) return;
  }
}

/**
 * Fill the elements `dstSel` selects in `dst` with one element's raw value: `unitValue` is a
 * one-element container (typed: exactly one element's container units, e.g. a Float64Array
 * of 2 for complex128 or a Uint8Array of n for S<n>; plain array: `[value]`). Typed data is
 * written through integer views, so the fill value's bits are kept exactly.
 */
export function fillRegion(dst: DataValues, dstShape: readonly number[], dstSel: readonly DimSel[] | null, unitValue: DataValues): void {
  let d: Buf;
  let unit: number;
  let value: Buf;
  const typed = isTyped(dst);
  if (typed) {
    if (!isTyped(unitValue)) throw new SelectionError("fill value for typed data must be a typed container");
    const vb = unitValue.length * unitBytesOf(unitValue);
    if (vb === 0 || vb % unitBytesOf(dst) !== 0)
      throw new SelectionError(`fill value is ${vb} bytes, not a whole number of ${unitBytesOf(dst)}-byte units`);
    const w = wordFor(vb, dst);
    d = narrowView(dst, w);
    // Copy the value's bytes into a fresh, aligned buffer so it can be read as words of width w.
    const bytes = narrowView(unitValue, 1).slice(0, vb);
    value = narrowView(bytes, w);
    unit = vb / w;
  } else {
    if (unitValue.length !== 1) throw new SelectionError("fill value for a plain array must hold exactly one element");
    d = dst as Buf;
    value = unitValue as Buf;
    unit = 1;
  }
  const walk = prepareWalk(dstShape, dstSel, unit, "destination");
  checkLength(d, dstShape, unit, "destination");
  if (walk.total === 0) return;
  const axes = mergeAxes(walk);
  const fillRun = (off: number, len: number): void => {
    if (unit === 1) { (d as unknown as { fill(v: unknown, a: number, b: number): void }).fill(value[0], off, off + len); return; }
    for (let i = 0; i < unit; i++) d[off + i] = value[i];
    if (typed) {
      // Double the written prefix until the run is full: O(log n) memmoves.
      for (let done = unit; done < len; done *= 2) (d as TypedBuf).copyWithin(off + done, off, off + Math.min(done, len - done));
    } else for (let i = unit; i < len; i++) d[off + i] = d[off + i - unit];
  };
  const k = axes.length;
  if (k === 0) { fillRun(walk.base, unit); return; }
  const a = axes[k - 1];
  const n = a.count;
  const run = a.list === null && a.step === unit
    ? (off: number) => fillRun(off, n * unit)
    : (off: number) => { for (let i = 0; i < n; i++) fillRun(off + axisOffset(a, i), unit); };
  walkOuter(axes, axes, walk.base, walk.base, (off) => run(off));
}
