/**
 * Axis arithmetic for the profile plots: round tick steps, tick values and labels, and
 * decimation of a time series to what a plot of a given pixel width can show.
 * @module
 */

/** A round step (1, 2 or 5 × 10^k) splitting `range` into about `target` intervals. */
export function niceStep(range: number, target: number): number {
  if (!(range > 0) || !Number.isFinite(range)) return 1;
  const raw = range / Math.max(1, target);
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * p;
}

/** Decimals a label needs to show multiples of `step` exactly. */
export function stepDecimals(step: number): number {
  return Math.max(0, Math.min(9, -Math.floor(Math.log10(step) + 1e-9)));
}

/** Tick values: multiples of a round step within [min, max]. */
export function ticks(min: number, max: number, target = 8): number[] {
  if (!(max > min)) return [min];
  const step = niceStep(max - min, target);
  const d = stepDecimals(step);
  const out: number[] = [];
  for (let i = Math.ceil(min / step - 1e-9); i * step <= max + step * 1e-9; i++) out.push(Number((i * step).toFixed(d)));
  return out;
}

/** Tick labels with the decimals the step needs ("0", "0.5", "1.0"). */
export function tickLabels(values: readonly number[]): string[] {
  const step = values.length > 1 ? values[1] - values[0] : 1;
  const d = stepDecimals(step);
  return values.map((v) => v.toFixed(d));
}

/** The smallest round value ≥ `v` (the top of a y axis); 1 for v ≤ 0. */
export function niceCeil(v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) return 1;
  const step = niceStep(v, 5);
  return Math.ceil(v / step - 1e-9) * step;
}

/** A point of a plotted series, x in pixels. */
export interface Point {
  x: number;
  y: number;
}

/**
 * Keep what a plot `width` pixels wide can show of `points` (sorted by x): when there are
 * more than two per pixel, each pixel column keeps its lowest and highest value (in time
 * order), so peaks survive decimation.
 */
export function decimateSeries<P extends Point>(points: readonly P[], width: number): P[] {
  if (points.length <= 2 * Math.max(1, width)) return points.slice();
  const out: P[] = [];
  let col = NaN;
  let lo: P | undefined;
  let hi: P | undefined;
  const flush = () => {
    if (!lo || !hi) return;
    if (lo === hi) out.push(lo);
    else if (lo.x <= hi.x) out.push(lo, hi);
    else out.push(hi, lo);
  };
  for (const p of points) {
    const c = Math.floor(p.x);
    if (c !== col) {
      flush();
      col = c;
      lo = hi = p;
      continue;
    }
    if (p.y < lo!.y) lo = p;
    if (p.y > hi!.y) hi = p;
  }
  flush();
  return out;
}
