/**
 * Buffers a worker thread reuses from task to task for data that never leaves it (decoded
 * chunks before they are counted or copied into place): a fresh buffer per chunk costs a page
 * fault per 4 KiB on first touch, as much as decoding it. Tasks run one at a time per thread
 * (the pool's default), so a buffer given back at the end of a task is free.
 * @module
 */

const SPARE_BUFFERS = 8;
const spare: ArrayBuffer[] = [];

/** A spare buffer of at least `bytes` (the smallest that fits), or a new one. */
export function takeBuffer(bytes: number): ArrayBuffer {
  let best = -1;
  spare.forEach((b, i) => { if (b.byteLength >= bytes && (best < 0 || b.byteLength < spare[best].byteLength)) best = i; });
  return best < 0 ? new ArrayBuffer(bytes) : spare.splice(best, 1)[0];
}

/** Give buffers back for reuse (the largest few are kept). */
export function giveBack(buffers: readonly ArrayBuffer[]): void {
  spare.push(...buffers);
  spare.sort((a, b) => b.byteLength - a.byteLength);
  spare.length = Math.min(spare.length, SPARE_BUFFERS);
}

/** `bytes` of a reused buffer, listed in `scratch` to be given back when the task ends. */
export function scratchBytes(scratch: ArrayBuffer[], bytes: number): Uint8Array {
  const buffer = takeBuffer(bytes);
  scratch.push(buffer);
  return new Uint8Array(buffer, 0, bytes);
}
