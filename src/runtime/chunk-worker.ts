/**
 * Task functions run by the worker pool (piscina calls them by export name). Inputs are
 * plain data; a pipeline is rebuilt from its {@link PipelineSpec} once per thread and cached
 * under a stable string key. Decoded chunks are copied straight into the caller's
 * SharedArrayBuffer, so the main thread only plans and does I/O.
 * Errors come back as plain results (see task-result.ts).
 * @module
 */
import { move } from "piscina";
import { copyRegion, fillRegion } from "../format/copy.js";
import type { DimSel } from "../format/region.js";
import { buildPipeline, decodeChunk, encodeChunk, type Pipeline, type PipelineSpec } from "../codecs/pipeline.js";
import { registerCodec } from "../codecs/registry.js";
import type { CodecLocation } from "../codecs/types.js";
import { bytesOf, layoutOf, ownsBuffer, viewAs, type DataType, type DataValues } from "../format/dtype.js";
import type { FillValue } from "../format/fill-value.js";
import { allocateFilled, isAllFill, product } from "../format/ndarray.js";
import { stringifyJson } from "../format/json.js";
import { errorInfo, type TaskResult } from "./task-result.js";
import { releaseShared } from "./worker-gc.js";
import { warmUpAllocator } from "./malloc-warmup.js";

// Every pool thread decodes chunks: let the C allocator keep their buffers (see malloc-warmup.ts).
warmUpAllocator();

export { runKernel } from "./kernel-task.js";
export type { ErrorInfo, TaskResult } from "./task-result.js";

/** A codec table entry the worker must mirror: name, format, where the factory lives. */
export type CodecEntry = [name: string, format: 2 | 3, location: CodecLocation];

/** What a task needs to rebuild its pipeline in the worker. */
export interface PipelineRef {
  spec: PipelineSpec;
  /** Stable cache key of `spec` + `codecs` (see {@link pipelineKey}); computed once by the caller. */
  key: string;
  /** Codec locations used by the spec, so user-registered codecs resolve in the worker too. */
  codecs: CodecEntry[];
}

/** An output living in shared memory: the buffer viewed as `dtype` data of shape `shape`. */
export interface SharedOutput {
  buffer: SharedArrayBuffer;
  /** Where the output starts in `buffer` (default 0). */
  byteOffset?: number;
  dtype: DataType;
  shape: number[];
}

/** Decode one chunk and copy the selected region into a shared output. */
export interface DecodeIntoTask {
  pipeline: PipelineRef;
  /** Stored chunk bytes (transferred). */
  bytes: Uint8Array;
  /** Chunk store key, named in errors. */
  key: string;
  out: SharedOutput;
  /** Shape the decoded chunk is viewed as for `chunkSel` (SelectionPlan.chunkView). */
  chunkView: number[];
  chunkSel: DimSel[];
  outSel: DimSel[];
  /** Container units per element (layoutOf(dtype).units). */
  units: number;
  /**
   * Set when the whole decoded chunk is exactly the C-order run of the output starting at
   * this element: the codecs then decode straight into the shared output (no copy).
   */
  direct?: number;
}

/** Decode one chunk and return its raw bytes (native order, C order). */
export interface DecodeTask {
  pipeline: PipelineRef;
  bytes: Uint8Array;
  key: string;
}

/** Encode one chunk (C order, full chunk shape) to stored bytes. */
export interface EncodeTask {
  pipeline: PipelineRef;
  /** Raw chunk data (native order): transferred, or a view of a SharedArrayBuffer. */
  data: Uint8Array;
  shape: number[];
  key: string;
  /** When given, a chunk holding only this fill value is not encoded: the task returns null. */
  fill?: FillValue;
}

/**
 * Build one chunk in the worker and encode it: start from the decoded `existing` bytes
 * (read-modify-write) or the fill value, copy the selected region of a shared source into it
 * (or fill the region with one broadcast element), encode. The caller only does I/O.
 */
export interface EncodeRegionTask {
  pipeline: PipelineRef;
  key: string;
  /** Full chunk shape. */
  shape: number[];
  /** Stored bytes of the chunk to modify; absent: start from the fill value. */
  existing?: Uint8Array;
  /** Fill value of the array (the initial content without `existing`). */
  fillValue: FillValue;
  /** The value being written (in shared memory) and its shape (the selection's output shape). */
  source?: SharedOutput;
  /** One element to broadcast over the region instead of `source`. */
  unit?: Uint8Array;
  srcSel: DimSel[];
  /** Region of the chunk (viewed as `chunkView`). */
  chunkSel: DimSel[];
  chunkView: number[];
  units: number;
  /** When true, a chunk holding only the fill value is not encoded: the task returns null. */
  skipFill: boolean;
}

/** Worker task: see {@link EncodeRegionTask}. */
export async function encodeRegion(t: EncodeRegionTask): Promise<Uint8Array | null | TaskResult<never>> {
  try {
    const p = await pipelineFor(t.pipeline);
    const dtype = p.spec.chunk.dtype;
    const n = product(t.shape);
    const chunk = t.existing ? (await decodeChunk(p, t.existing, t.key)).data : allocateFilled(dtype, n, t.fillValue);
    if (t.source) {
      const { unitBytes } = layoutOf(t.source.dtype);
      const src = viewAs(t.source.dtype, new Uint8Array(t.source.buffer, t.source.byteOffset ?? 0, product(t.source.shape) * t.units * unitBytes));
      copyRegion(src, t.source.shape, t.srcSel, chunk, t.chunkView, t.chunkSel, t.units);
      releaseShared(n * t.units * unitBytes);
    } else if (t.unit) fillRegion(chunk, t.chunkView, t.chunkSel, viewAs(dtype, t.unit));
    if (t.skipFill && isAllFill(dtype, chunk, t.fillValue)) return null;
    const bytes = await encodeChunk(p, { data: chunk, shape: t.shape, dtype }, t.key);
    return move(owned(bytes)) as Uint8Array;
  } catch (e) {
    return { ok: false, error: errorInfo(e) };
  }
}

/** Stable cache key of a pipeline: bigint-safe JSON of the spec and its codec locations. */
export function pipelineKey(spec: PipelineSpec, codecs: CodecEntry[]): string {
  return stringifyJson({ spec, codecs }, 0);
}

// Per-thread cache. Bounded because a long-lived pool may see many arrays.
const MAX_CACHED = 64;
const cache = new Map<string, Promise<Pipeline>>();

/** The built pipeline of `ref`, cached per thread. */
export function pipelineFor(ref: PipelineRef): Promise<Pipeline> {
  let p = cache.get(ref.key);
  if (p) return p;
  for (const [name, format, location] of ref.codecs) registerCodec(name, location, { v2: format === 2, v3: format === 3 });
  p = buildPipeline(ref.spec);
  // A failed build must not poison the cache for later tasks.
  p.catch(() => cache.delete(ref.key));
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
  cache.set(ref.key, p);
  return p;
}

/** Worker task: decode `t.bytes` and copy `t.chunkSel` of it into `t.outSel` of the shared output. */
export async function decodeInto(t: DecodeIntoTask): Promise<TaskResult> {
  try {
    const p = await pipelineFor(t.pipeline);
    if (t.direct !== undefined) {
      const n = product(t.chunkView);
      const { unitBytes } = layoutOf(t.out.dtype);
      const region = new Uint8Array(t.out.buffer, (t.out.byteOffset ?? 0) + t.direct * t.units * unitBytes, n * t.units * unitBytes);
      const chunk = await decodeChunk(p, t.bytes, t.key, { data: viewAs(t.out.dtype, region), shape: t.chunkView, dtype: t.out.dtype });
      const got = bytesOf(chunk.data as Exclude<DataValues, unknown[]>);
      if (got.buffer !== region.buffer || got.byteOffset !== region.byteOffset) region.set(got);
      releaseShared(region.byteLength);
      return { ok: true, value: undefined };
    }
    const chunk = await decodeChunk(p, t.bytes, t.key);
    const { unitBytes } = layoutOf(t.out.dtype);
    const out = viewAs(t.out.dtype, new Uint8Array(t.out.buffer, t.out.byteOffset ?? 0, product(t.out.shape) * t.units * unitBytes));
    copyRegion(chunk.data, t.chunkView, t.chunkSel, out, t.out.shape, t.outSel, t.units);
    releaseShared(bytesOf(chunk.data as Exclude<DataValues, unknown[]>).byteLength);
    return { ok: true, value: undefined };
  } catch (e) {
    return { ok: false, error: errorInfo(e) };
  }
}

/** Worker task: decode a chunk; its raw bytes are returned and transferred. */
export async function decode(t: DecodeTask): Promise<Uint8Array | TaskResult<never>> {
  try {
    const p = await pipelineFor(t.pipeline);
    const chunk = await decodeChunk(p, t.bytes, t.key);
    return move(owned(bytesOf(chunk.data as Exclude<DataValues, unknown[]>))) as Uint8Array;
  } catch (e) {
    return { ok: false, error: errorInfo(e) };
  }
}

/** `b` itself when it owns its whole (transferable) buffer, else a copy that does. */
function owned(b: Uint8Array): Uint8Array {
  return ownsBuffer(b) ? b : b.slice();
}

/**
 * Worker task: encode a chunk. On success the encoded bytes themselves are returned and
 * transferred (piscina only moves a top-level value); on failure a {@link TaskResult} error.
 */
export async function encode(t: EncodeTask): Promise<Uint8Array | null | TaskResult<never>> {
  try {
    const p = await pipelineFor(t.pipeline);
    const data = viewAs(p.spec.chunk.dtype, t.data);
    if (t.data.buffer instanceof SharedArrayBuffer) releaseShared(t.data.byteLength);
    if (t.fill && isAllFill(p.spec.chunk.dtype, data, t.fill)) return null;
    const bytes = await encodeChunk(p, { data, shape: t.shape, dtype: p.spec.chunk.dtype }, t.key);
    return move(owned(bytes)) as Uint8Array;
  } catch (e) {
    return { ok: false, error: errorInfo(e) };
  }
}
