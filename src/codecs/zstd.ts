/**
 * `zstd` codec (numcodecs Zstd `{level, checksum}`, v3 `zstd` `{level, checksum}`) via
 * zstd-napi's low-level binding, which lets us decode straight into the caller's buffer.
 *
 * Decoding accepts any sequence of frames (including skippable frames), with or without a
 * content size in the header (streaming writers omit it); a frame that declares more
 * output than its compressed size can hold, or output beyond `out`, is refused before
 * any large allocation.
 * @module
 */
import { constants as bufferConstants } from "node:buffer";
import binding from "zstd-napi/binding.js";
import { CodecError } from "../format/errors.js";
import type { BytesToBytesCodec, CodecFactory } from "./types.js";
import { boolField, checkFields, corrupt, expectSize, intField, plain } from "./bytes-support.js";

const NAME = "zstd";

/**
 * Upper bound on decoded/compressed size: every zstd block takes at least 4 compressed bytes
 * (3-byte header + 1) and decodes to at most 128 KiB.
 */
const MAX_RATIO = 32768;

// One context pair per thread, created lazily; all calls are synchronous so sharing is safe.
let cctx: binding.CCtx | undefined;
let dctx: binding.DCtx | undefined;
const probe = new Uint8Array(1);

/** A zstd frame found in the input: its bytes and declared content size (null when absent). */
interface Frame {
  bytes: Uint8Array;
  size: number | null;
}

/** Split `src` into frames, validating each declared content size against its compressed size. */
function frames(src: Uint8Array, key?: string): Frame[] {
  if (src.length === 0) throw new CodecError(NAME, "empty input is not a zstd frame", key);
  const found: Frame[] = [];
  for (let off = 0; off < src.length; ) {
    const rest = src.subarray(off);
    let len: number;
    let size: number | null;
    try {
      len = binding.findFrameCompressedSize(rest);
      size = binding.getFrameContentSize(rest);
    } catch (e) {
      throw corrupt(NAME, e, key);
    }
    if (size !== null && size > len * MAX_RATIO) {
      throw new CodecError(NAME, `frame at byte ${off} declares ${size} decoded bytes, impossible for its ${len} compressed bytes`, key);
    }
    found.push({ bytes: rest.subarray(0, len), size });
    off += len;
  }
  return found;
}

/**
 * Streaming decode of `src` (frames of unknown size) into `out` or a growing buffer.
 * With `out`, a 1-byte probe detects output beyond its end without writing it.
 */
function streamDecode(ctx: binding.DCtx, src: Uint8Array, out: Uint8Array | undefined, key?: string): Uint8Array {
  const bound = Math.min(src.length * MAX_RATIO, bufferConstants.MAX_LENGTH);
  let dst = out ?? new Uint8Array(Math.min(bound, Math.max(1 << 16, src.length * 4)));
  let pos = 0;
  let off = 0;
  for (;;) {
    if (pos === dst.length && !out && dst.length < bound) {
      const grown = new Uint8Array(Math.min(bound, dst.length * 2));
      grown.set(dst);
      dst = grown;
    }
    const full = pos === dst.length;
    const [ret, produced, consumed] = ctx.decompressStream(full ? probe : dst.subarray(pos), src.subarray(off));
    if (full && produced > 0) {
      throw new CodecError(NAME, `data decodes to more than the expected ${dst.length} bytes`, key);
    }
    pos += produced;
    off += consumed;
    if (ret === 0 && off === src.length) break;
    if (produced === 0 && consumed === 0) throw new CodecError(NAME, "corrupt or truncated input: frame ends early", key);
  }
  if (out) {
    expectSize(NAME, pos, out, key);
    return out;
  }
  return pos === dst.length ? dst : dst.slice(0, pos);
}

/** Decode all frames of `src`, into `out` when given. */
function decodeFrames(src: Uint8Array, out: Uint8Array | undefined, key?: string): Uint8Array {
  const found = frames(src, key);
  const ctx = (dctx ??= new binding.DCtx());
  ctx.reset(binding.ResetDirective.sessionOnly);
  try {
    if (found.every((f) => f.size !== null)) {
      // Every size is known: one exact allocation, one native call.
      const total = found.reduce((s, f) => s + (f.size ?? 0), 0);
      expectSize(NAME, total, out, key);
      const dst = out ?? new Uint8Array(total);
      const n = ctx.decompress(dst, src);
      if (n !== total) throw new CodecError(NAME, `frames declare ${total} bytes but decode to ${n}`, key);
      return dst;
    }
    return streamDecode(ctx, src, out, key);
  } catch (e) {
    ctx.reset(binding.ResetDirective.sessionOnly);
    throw corrupt(NAME, e, key);
  }
}

/**
 * `zstd` factory (v2 and v3): `{level, checksum}`. `level` defaults to 1 (numcodecs; 0 means
 * zstd's default); `checksum` (v3, numcodecs ≥ 0.13) adds a content checksum to each frame.
 */
export const zstd: CodecFactory = (configuration, context): BytesToBytesCodec => {
  const key = context.key;
  checkFields(NAME, configuration, ["level", "checksum"], key);
  const level = intField(NAME, configuration, "level", 1, binding.minCLevel(), binding.maxCLevel(), key);
  const checksum = boolField(NAME, configuration, "checksum", false, key);
  return {
    kind: "bytes-to-bytes",
    name: NAME,
    async encode(b) {
      const ctx = (cctx ??= new binding.CCtx());
      ctx.reset(binding.ResetDirective.sessionAndParameters);
      ctx.setParameter(binding.CParameter.compressionLevel, level);
      ctx.setParameter(binding.CParameter.checksumFlag, checksum ? 1 : 0);
      const dst = new Uint8Array(binding.compressBound(b.length));
      // compress2 knows the input size, so the frame header records the content size (as numcodecs' frames do).
      return plain(dst.subarray(0, ctx.compress2(dst, b)));
    },
    async decode(b, out) {
      return decodeFrames(b, out, key);
    },
  };
};
