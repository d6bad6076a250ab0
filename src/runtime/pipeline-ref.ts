/**
 * A pipeline as worker tasks carry it: its plain-data spec, the codec locations it uses
 * (so codecs registered by the user in this thread resolve in the worker too), and a stable
 * key under which each worker caches the built pipeline.
 * @module
 */
import type { PipelineSpec } from "../codecs/pipeline.js";
import { locateCodec } from "../codecs/registry.js";
import { pipelineKey, type CodecEntry, type PipelineRef } from "./chunk-worker.js";

const refs = new WeakMap<PipelineSpec, PipelineRef>();

/** The {@link PipelineRef} of `spec` (memoised per spec object: the key is a JSON string). */
export function pipelineRef(spec: PipelineSpec): PipelineRef {
  let ref = refs.get(spec);
  if (ref) return ref;
  const entries = new Map<string, CodecEntry>();
  const add = (name: string, format: 2 | 3) => entries.set(`${format}:${name}`, [name, format, locateCodec(name, format, spec.key)]);
  add("bytes", 3); // the implicit serializer of v2 pipelines
  // v2 order "F" is a v3 transpose (see pipelineSpecOf).
  for (const c of spec.codecs) add(c.name, spec.zarrFormat === 2 && c.name === "transpose" ? 3 : spec.zarrFormat);
  const codecs = [...entries.values()];
  ref = { spec, codecs, key: pipelineKey(spec, codecs) };
  refs.set(spec, ref);
  return ref;
}
