/**
 * Raw integer views for bit-exact copying. Copying through float views is not bit-exact:
 * converting a float32 signalling NaN to a JS number quiets it, and engines may canonicalize
 * NaN payloads, so the copy engine moves elements through unsigned integer views of the
 * same memory. The @petamoriken/float16 polyfill is a Proxy, not a real typed array, but it
 * exposes `buffer`/`byteOffset`/`length`, so it gets a Uint16Array view the same way.
 * @module
 */
import { isFloat16Array } from "@petamoriken/float16";
import type { DataValues } from "./dtype.js";

/** An unsigned integer view with the same element width as the data it views. */
export type RawView = Uint8Array | Uint16Array | Uint32Array | BigUint64Array;

/** Unsigned views used by the copy loops (8-byte elements travel as two 32-bit halves). */
export type NarrowView = Uint8Array | Uint16Array | Uint32Array;

interface BufferBacked {
  buffer: ArrayBufferLike;
  byteOffset: number;
  byteLength: number;
  length: number;
}

/** True for typed data (any typed array or the Float16Array polyfill), false for plain JS arrays. */
export function isTyped(data: unknown): boolean {
  return (ArrayBuffer.isView(data) && !(data instanceof DataView)) || isFloat16Array(data);
}

function backing(data: DataValues): BufferBacked & { bpe: number } {
  if (isFloat16Array(data)) {
    const f = data as unknown as BufferBacked;
    return { buffer: f.buffer, byteOffset: f.byteOffset, length: f.length, byteLength: f.length * 2, bpe: 2 };
  }
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    const t = data as unknown as BufferBacked & { BYTES_PER_ELEMENT: number };
    return { buffer: t.buffer, byteOffset: t.byteOffset, length: t.length, byteLength: t.byteLength, bpe: t.BYTES_PER_ELEMENT };
  }
  throw new TypeError("rawView needs typed data (a typed array or Float16Array), not a plain JS array");
}

/**
 * An unsigned integer typed array over the same memory as `data`, one container element per
 * container element of `data` (Uint8/16/32, BigUint64 for 8-byte elements). Works for every
 * typed container, including the Float16Array polyfill.
 */
export function rawView(data: DataValues): RawView {
  const b = backing(data);
  switch (b.bpe) {
    case 1: return new Uint8Array(b.buffer, b.byteOffset, b.length);
    case 2: return new Uint16Array(b.buffer, b.byteOffset, b.length);
    case 4: return new Uint32Array(b.buffer, b.byteOffset, b.length);
    case 8: return new BigUint64Array(b.buffer, b.byteOffset, b.length);
    default: throw new TypeError(`unsupported element width ${b.bpe}`);
  }
}

/** Byte offset of typed data in its buffer. */
export function byteOffsetOf(data: DataValues): number {
  return backing(data).byteOffset;
}

/** Bytes per container element of typed data. */
export function unitBytesOf(data: DataValues): number {
  return backing(data).bpe;
}

/**
 * View `data` as unsigned integers of width `w` bytes (1, 2 or 4). The caller ensures the
 * byte offset is a multiple of `w`; a trailing partial word is left out of the view.
 */
export function narrowView(data: DataValues, w: 1 | 2 | 4): NarrowView {
  const b = backing(data);
  const n = Math.floor(b.byteLength / w);
  return w === 1 ? new Uint8Array(b.buffer, b.byteOffset, n) : w === 2 ? new Uint16Array(b.buffer, b.byteOffset, n) : new Uint32Array(b.buffer, b.byteOffset, n);
}

/**
 * The widest word (4, 2 or 1 bytes) that divides an element of `elemBytes` bytes and every
 * given byte offset: wider words mean fewer loop iterations per element.
 */
export function wordFor(elemBytes: number, ...data: DataValues[]): 1 | 2 | 4 {
  const offs = data.map(byteOffsetOf);
  for (const w of [4, 2] as const) if (elemBytes % w === 0 && offs.every((o) => o % w === 0)) return w;
  return 1;
}
