/**
 * One large allocation freed at once, when a thread starts. glibc's malloc serves blocks
 * above its mmap threshold (128 KiB at first) with fresh mmaps, unmapped again on free, so
 * every decoded chunk, inflate output or file read of a few hundred KiB costs page faults;
 * freeing a larger mmapped block raises the threshold to its size (mallopt(3), "dynamic mmap
 * threshold"), after which such buffers are reused from the heap. Measured on allele counting
 * over the 1 M-variant demo HDF5 file (bench/genomics/child-count.js, 2 workers, 5 interleaved
 * runs each): first pass 0.947 → 0.894 s (median), steady state unchanged (0.690 / 0.686 s);
 * Zarr zlib unchanged. Elsewhere (other C libraries) it is one short-lived copy, nothing else.
 * @module
 */

/** Bytes of the block: above the per-chunk buffers this library makes (≤ a few MiB), below glibc's 32 MiB cap. */
const WARMUP_BYTES = 16 * 2 ** 20;

let done = false;

/** Allocate and free one {@link WARMUP_BYTES} block through the C allocator (once per thread). */
export function warmUpAllocator(): void {
  if (done) return;
  done = true;
  // structuredClone's serializer buffer is malloc'd, grown to the payload and freed before it returns.
  structuredClone(new Uint8Array(WARMUP_BYTES));
}
