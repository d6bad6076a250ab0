/**
 * The one JSON line every benchmark child prints (Node side; the Python and .mjs peers
 * print the same fields), and the sampled checksum all sides compute on what they read.
 * @module
 */

/** What a child measured. */
export interface ChildResult {
  /** Seconds of the timed section only. */
  seconds: number;
  /** Decoded bytes handled by the timed section. */
  bytes: number;
  /** Peak resident set of the child process, KiB. */
  maxRssKiB: number;
  /** {@link checksum} of the data read, or null when the side does not read an array. */
  checksum: number | null;
  /** Chunks decoded, when the side counts them. */
  chunks?: number;
  /** The API call measured, when it depends on feature detection. */
  api?: string;
  /** Chunk bytes the side wrote (set by the runner for sides with an output array). */
  storedBytes?: number;
}

/** Every CHECK_STRIDE-th element is summed, as in bench/peers/peer_common.py. */
export const CHECK_STRIDE = 1009;

/** Sum of every {@link CHECK_STRIDE}-th element of `data` (C order). */
export function checksum(data: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < data.length; i += CHECK_STRIDE) s += data[i];
  return s;
}

/** Print `r` with this process's peak RSS as the child's result line. */
export function reportResult(r: Omit<ChildResult, "maxRssKiB">): void {
  process.stdout.write(JSON.stringify({ ...r, maxRssKiB: process.resourceUsage().maxRSS }) + "\n");
}
