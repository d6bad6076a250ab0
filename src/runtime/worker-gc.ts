/**
 * Letting go of shared memory in worker threads. A SharedArrayBuffer's memory is freed only
 * when every thread that received a handle to it has garbage-collected that handle. Pool
 * threads allocate little JavaScript, so they rarely collect on their own: measured, a
 * worker kept every output buffer it had written into (RSS grew by each result's size per
 * read) until it exited. So after every {@link GC_EVERY_BYTES} of shared memory a thread has
 * worked on, it runs a minor collection (the handles are young; well under a millisecond on
 * a worker's small heap). Worker threads cannot be started with --expose-gc, hence the flag
 * set at run time.
 * @module
 */
import v8 from "node:v8";
import vm from "node:vm";

/**
 * Shared bytes worked on between two collections. 4 MiB kept `zarrflow export` of the
 * 4 M-variant demo array (2 workers) at 272–283 MiB peak RSS, flat from 1 M variants
 * (266–272); 16 MiB let it grow to 367–383 (326 at 1 M), with no measurable difference in
 * read time (a whole-array `get`, medians of 5, within noise either way).
 */
export const GC_EVERY_BYTES = 4 * 2 ** 20;

let since = 0;
let collect: ((o: { type: "minor" | "major" }) => void) | null | undefined;

/** Note that this thread worked on `bytes` of shared memory; collect young garbage now and then. */
export function releaseShared(bytes: number): void {
  since += bytes;
  if (since < GC_EVERY_BYTES) return;
  since = 0;
  if (collect === undefined) {
    try {
      const exposed = (globalThis as { gc?: typeof collect }).gc;
      if (!exposed) v8.setFlagsFromString("--expose-gc");
      collect = exposed ?? (vm.runInNewContext("gc") as typeof collect);
    } catch {
      collect = null;
    }
  }
  collect?.({ type: "minor" });
}
