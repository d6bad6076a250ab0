/**
 * Shared helpers of the Node benchmark peers (bench/peers/*.mjs): the one-line JSON result
 * the runner parses, and the same sampled checksum as bench/peers/peer_common.py.
 */

/** Every CHECK_STRIDE-th element is summed (int64 in Python; exact in a double here). */
export const CHECK_STRIDE = 1009;

/** Sum of every CHECK_STRIDE-th element of a typed array (C order). */
export function checksum(data) {
  let s = 0;
  for (let i = 0; i < data.length; i += CHECK_STRIDE) s += Number(data[i]);
  return s;
}

/** Print the result line with this process's peak RSS (maxRSS is KiB). */
export function report(fields) {
  process.stdout.write(JSON.stringify({ ...fields, maxRssKiB: process.resourceUsage().maxRSS }) + "\n");
}
