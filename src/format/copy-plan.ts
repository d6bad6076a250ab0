/**
 * Prepares the walk of a selection over a flat C-order buffer for the copy engine:
 * validates it against the buffer shape, folds single-index dimensions into a base offset,
 * and merges neighbouring dimensions that together step evenly, so a whole-chunk copy
 * becomes one long run.
 * @module
 */
import { SelectionError } from "./errors.js";
import type { DimSel, IndexList } from "./region.js";
import { isRange } from "./region.js";
import { checkShape } from "./ndarray.js";

/** One walked dimension (count > 1). Offsets are in container units. */
export interface Axis {
  count: number;
  /** Offset step per index for a strided range. */
  step: number;
  /** Explicit indices (offset = list[i] * stride), or null for a range. */
  list: IndexList | null;
  stride: number;
}

/** A selection over one buffer, ready to walk. */
export interface Walk {
  base: number;
  axes: Axis[];
  /** Number of selected elements. */
  total: number;
}

/**
 * Validate `sel` (null = everything) against `shape` and reduce it to a {@link Walk} with
 * offsets in container units (`units` per element). `what` names the buffer in errors.
 */
export function prepareWalk(shape: readonly number[], sel: readonly DimSel[] | null, units: number, what: string): Walk {
  checkShape(shape, `${what} shape`);
  if (sel !== null && (!Array.isArray(sel) || sel.length !== shape.length))
    throw new SelectionError(`${what} selection has ${Array.isArray(sel) ? sel.length : "no"} entries for ${shape.length} dimensions`);
  let stride = units;
  let base = 0;
  let total = 1;
  const axes: Axis[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    const len = shape[d];
    const s: DimSel = sel === null ? { start: 0, step: 1, count: len } : sel[d];
    const bad = (msg: string): never => { throw new SelectionError(`${what} selection, dimension ${d} (length ${len}): ${msg}`); };
    if (isRange(s)) {
      const { start, step, count } = s;
      if (![start, step, count].every(Number.isSafeInteger) || count < 0) bad(`invalid range ${JSON.stringify(s)}`);
      total *= count;
      if (count > 0) {
        const last = start + (count - 1) * step;
        if (start < 0 || start >= len || last < 0 || last >= len) bad(`range ${JSON.stringify(s)} is out of bounds`);
        base += start * stride;
        if (count > 1) axes.push({ count, step: step * stride, list: null, stride });
      }
    } else {
      if (!(s instanceof Int32Array || s instanceof Float64Array)) bad("must be a range or an Int32Array/Float64Array");
      const n = s.length;
      for (let j = 0; j < n; j++) {
        const v = s[j];
        if (!(v >= 0 && v < len && Number.isInteger(v))) bad(`index ${v} is out of bounds`);
      }
      total *= n;
      if (n === 1) base += s[0] * stride;
      else if (n > 1) axes.push({ count: n, step: 0, list: s, stride });
    }
    stride *= len;
  }
  axes.reverse();
  return { base, axes, total };
}

/**
 * Pair the walks of source and destination: they must select the same number of elements
 * in the same arrangement once single-index dimensions are ignored. Then merge neighbouring
 * axes that are strided on both sides and continue each other evenly.
 */
export function pairWalks(src: Walk, dst: Walk): { src: Axis[]; dst: Axis[] } {
  const counts = (w: Walk) => w.axes.map((a) => a.count);
  if (src.total !== dst.total || src.axes.length !== dst.axes.length || src.axes.some((a, i) => a.count !== dst.axes[i].count))
    throw new SelectionError(`source selection [${counts(src).join(", ")}] does not match destination selection [${counts(dst).join(", ")}]`);
  const s: Axis[] = [];
  const d: Axis[] = [];
  for (let i = 0; i < src.axes.length; i++) {
    const a = src.axes[i];
    const b = dst.axes[i];
    const k = s.length - 1;
    if (k >= 0 && canMerge(s[k], a) && canMerge(d[k], b)) {
      s[k] = { count: s[k].count * a.count, step: a.step, list: null, stride: a.stride };
      d[k] = { count: d[k].count * b.count, step: b.step, list: null, stride: b.stride };
    } else {
      s.push(a);
      d.push(b);
    }
  }
  return { src: s, dst: d };
}

/** Merge a single walk's axes on its own (for fills). */
export function mergeAxes(w: Walk): Axis[] {
  const out: Axis[] = [];
  for (const a of w.axes) {
    const k = out.length - 1;
    if (k >= 0 && canMerge(out[k], a)) out[k] = { count: out[k].count * a.count, step: a.step, list: null, stride: a.stride };
    else out.push(a);
  }
  return out;
}

/** `inner` continues `outer` evenly: one step of outer equals `count` steps of inner. */
function canMerge(outer: Axis, inner: Axis): boolean {
  return outer.list === null && inner.list === null && outer.step === inner.count * inner.step;
}

/** Offset of index `i` along an axis. */
export function axisOffset(a: Axis, i: number): number {
  return a.list === null ? i * a.step : a.list[i] * a.stride;
}
