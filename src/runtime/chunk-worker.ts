/**
 * Task functions run by the worker pool (piscina calls them by export name). Inputs are
 * plain data; a pipeline is rebuilt from its {@link PipelineSpec} once per thread and cached
 * under a stable string key. Decoded chunks are copied straight into the caller's
 * SharedArrayBuffer, so the main thread only plans and does I/O.
 *
 * Errors come back as plain {@link ErrorInfo} results rather than throws: structured clone
 * drops the typed error class and its fields (key, codec...), which the caller rebuilds.
 * @module
 */
import { move } from "piscina";
import { copyRegion } from "../array/copy.js";
import type { DimSel } from "../array/selection-types.js";
import { buildPipeline, decodeChunk, encodeChunk, type Pipeline, type PipelineSpec } from "../codecs/pipeline.js";
import { registerCodec } from "../codecs/registry.js";
import type { CodecLocation } from "../codecs/types.js";
import { viewAs, type DataType } from "../format/dtype.js";
import { ZarrError } from "../format/errors.js";
import { stringifyJson } from "../format/json.js";

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
}

/** Encode one chunk (C order, full chunk shape) to stored bytes. */
export interface EncodeTask {
  pipeline: PipelineRef;
  /** Raw chunk data (native order): transferred, or a view of a SharedArrayBuffer. */
  data: Uint8Array;
  shape: number[];
  key: string;
}

/** A failure as plain data (name, message, and the typed error's fields). */
export interface ErrorInfo {
  name: string;
  message: string;
  key?: string;
  codec?: string;
  stack?: string;
}

/** Result of a task: ok (with a value) or the failure as plain data. */
export type TaskResult<T = undefined> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

/** Stable cache key of a pipeline: bigint-safe JSON of the spec and its codec locations. */
export function pipelineKey(spec: PipelineSpec, codecs: CodecEntry[]): string {
  return stringifyJson({ spec, codecs }, 0);
}

// Per-thread cache. Bounded because a long-lived pool may see many arrays.
const MAX_CACHED = 64;
const cache = new Map<string, Promise<Pipeline>>();

function pipelineFor(ref: PipelineRef): Promise<Pipeline> {
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

function errorInfo(e: unknown): ErrorInfo {
  if (e instanceof Error) {
    const z = e as Partial<ZarrError> & { codec?: string };
    return { name: e.name, message: e.message, key: e instanceof ZarrError ? z.key : undefined, codec: z.codec, stack: e.stack };
  }
  return { name: "Error", message: String(e) };
}

/** Worker task: decode `t.bytes` and copy `t.chunkSel` of it into `t.outSel` of the shared output. */
export async function decodeInto(t: DecodeIntoTask): Promise<TaskResult> {
  try {
    const p = await pipelineFor(t.pipeline);
    const chunk = await decodeChunk(p, t.bytes, t.key);
    const out = viewAs(t.out.dtype, new Uint8Array(t.out.buffer));
    copyRegion(chunk.data, t.chunkView, t.chunkSel, out, t.out.shape, t.outSel, t.units);
    return { ok: true, value: undefined };
  } catch (e) {
    return { ok: false, error: errorInfo(e) };
  }
}

/**
 * Worker task: encode a chunk. On success the encoded bytes themselves are returned and
 * transferred (piscina only moves a top-level value); on failure a {@link TaskResult} error.
 */
export async function encode(t: EncodeTask): Promise<Uint8Array | TaskResult<never>> {
  try {
    const p = await pipelineFor(t.pipeline);
    const data = viewAs(p.spec.chunk.dtype, t.data);
    const bytes = await encodeChunk(p, { data, shape: t.shape, dtype: p.spec.chunk.dtype }, t.key);
    // Transfer only a buffer the bytes own whole; a view into something larger is copied out.
    const owned = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer ? bytes : bytes.slice();
    return move(owned) as Uint8Array;
  } catch (e) {
    return { ok: false, error: errorInfo(e) };
  }
}
