/**
 * Small numeric and formatting helpers of the runtime benchmark.
 * @module
 */

/** Median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A number with about three significant digits ("1234", "56.7", "0.891"). */
export function sig(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : a >= 1 ? x.toFixed(2) : x.toPrecision(3);
}

/** MB/s (10^6 bytes per second). */
export function mbps(bytes: number, seconds: number): number {
  return bytes / 1e6 / seconds;
}

/** KiB → "123 MiB". */
export function mib(kib: number): string {
  return `${(kib / 1024).toFixed(0)} MiB`;
}

/** Bytes → "1.53 GB" style (decimal units, as MB/s). */
export function gb(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
}
