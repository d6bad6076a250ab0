/**
 * Stored chunks made into blocks in the thread that needs them (worker side): one stored chunk
 * clipped to its extent (`decodeRaw`), the stored chunks that tile a block copied into place
 * (`decodeParts`), and a kernel that makes one stored chunk in shared memory for a source's `read`.
 * Missing chunks become the fill value.
 * @module
 */
import type { NDArray } from "../codecs/types.js";
import { decodeChunk, type Pipeline } from "../codecs/pipeline.js";
import { copyRegion } from "../format/copy.js";
import { allocate, bytesOf, isVariableLength, layoutOf, viewAs } from "../format/dtype.js";
import { allocateFilled, product } from "../format/ndarray.js";
import { pipelineFor } from "../runtime/chunk-worker.js";
import { kernelRef } from "../runtime/kernel-task.js";
import { giveBack, scratchBytes } from "../runtime/spare-buffers.js";
import { allocateShared, checkTiling, storedBytes, storedBytesAll, type RawChunk, type RawParts } from "./types.js";

/**
 * Stored chunk `raw` (its stored `bytes`, undefined: not stored → the fill value) decoded into
 * `into` (a whole chunk of its pipeline's chunk shape and dtype), whatever buffer the codecs
 * produced it in. Returns `into`.
 */
export async function decodeInto(p: Pipeline, raw: RawChunk, bytes: Uint8Array | undefined, into: NDArray): Promise<NDArray> {
  if (!bytes) {
    bytesOf(into.data).set(bytesOf(allocateFilled(into.dtype, product(into.shape), raw.fill)));
    return into;
  }
  const got = await decodeChunk(p, bytes, raw.key, into);
  const a = bytesOf(got.data);
  const b = bytesOf(into.data);
  if (a.buffer !== b.buffer || a.byteOffset !== b.byteOffset) b.set(a);
  return into;
}

/**
 * Decode a stored chunk in this thread, clipped to its extent; missing chunks become the
 * fill value. With `scratch`, the chunk (and its clipped copy) go into reused buffers.
 * `given`: its stored bytes, already read.
 */
export async function decodeRaw(raw: RawChunk, scratch?: ArrayBuffer[], given?: Uint8Array): Promise<NDArray> {
  const p = await pipelineFor(raw.pipeline);
  const dtype = p.spec.chunk.dtype;
  const reuse = scratch && !isVariableLength(dtype) ? scratch : undefined;
  const { units, unitBytes } = layoutOf(dtype);
  const fresh = (shape: readonly number[]) => viewAs(dtype, scratchBytes(reuse!, product(shape) * units * unitBytes));
  const bytes = given ?? storedBytes(raw);
  const into: NDArray | undefined = reuse && bytes ? { data: fresh(raw.chunkShape), shape: [...raw.chunkShape], dtype } : undefined;
  const full = bytes ? await decodeChunk(p, bytes, raw.key, into) : { data: allocateFilled(dtype, product(raw.chunkShape), raw.fill), shape: raw.chunkShape, dtype };
  if (raw.extent.every((e, d) => e === raw.chunkShape[d])) return full;
  const out = reuse ? fresh(raw.extent) : allocate(dtype, product(raw.extent));
  const sel = raw.extent.map((n) => ({ start: 0, step: 1, count: n }));
  copyRegion(full.data, raw.chunkShape, sel, out, raw.extent, sel, units);
  return { data: out, shape: [...raw.extent], dtype };
}

/**
 * Make a block from the stored chunks that tile it: each decoded (into a reused buffer, given
 * back at once) and copied into its place. With `scratch`, the block is a reused buffer too;
 * with `shared`, it is in shared memory (what a source's `read` returns).
 */
export async function decodeParts(p: RawParts, scratch?: ArrayBuffer[], shared = false): Promise<NDArray> {
  const { dtype } = p;
  const { units, unitBytes } = layoutOf(dtype);
  const n = product(p.shape);
  const data = scratch ? viewAs(dtype, scratchBytes(scratch, n * units * unitBytes)) : shared ? allocateShared(dtype, n) : allocate(dtype, n);
  checkTiling(p);
  const stored = storedBytesAll(p.parts.map((x) => x.raw));
  for (const [i, { raw, start }] of p.parts.entries()) {
    const mine: ArrayBuffer[] = [];
    const part = await decodeRaw(raw, mine, stored[i]);
    const into = raw.extent.map((count, d) => ({ start: start[d], step: 1, count }));
    copyRegion(part.data, part.shape, null, data, p.shape, into, units);
    giveBack(mine);
  }
  return { data, shape: [...p.shape], dtype };
}

/** Kernel names, for `pool.kernel(ref, args)`. */
export const RAW_DECODE_KERNELS = {
  block: kernelRef(import.meta.url, "decodeBlockKernel"),
} as const;

/**
 * Kernel: a source chunk from its stored chunk (`raw`) or from the stored chunks tiling it
 * (`parts`), decoded in this thread; returns its bytes in shared memory (what
 * `ChunkSource.read` promises) and its shape. Bytes, not typed data: a float16 polyfill array
 * cannot cross threads; the caller views them as the dtype.
 */
export async function decodeBlockKernel(args: { raw: RawChunk } | { parts: RawParts }): Promise<{ bytes: Uint8Array; shape: number[] }> {
  if ("parts" in args) {
    const made = await decodeParts(args.parts, undefined, true);
    return { bytes: bytesOf(made.data), shape: made.shape };
  }
  const { raw } = args;
  if (raw.extent.every((e, d) => e === raw.chunkShape[d])) {
    // A whole chunk decodes straight into the shared result; only edge chunks need clipping.
    const p = await pipelineFor(raw.pipeline);
    const dtype = p.spec.chunk.dtype;
    const into = await decodeInto(p, raw, storedBytes(raw), { data: allocateShared(dtype, product(raw.chunkShape)), shape: [...raw.chunkShape], dtype });
    return { bytes: bytesOf(into.data), shape: into.shape };
  }
  const scratch: ArrayBuffer[] = [];
  try {
    const made = await decodeRaw(raw, scratch);
    const bytes = bytesOf(allocateShared(made.dtype, product(made.shape)));
    bytes.set(bytesOf(made.data));
    return { bytes, shape: made.shape };
  } finally {
    giveBack(scratch);
  }
}
