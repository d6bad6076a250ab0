/**
 * Reading a VCF (plain or gzip/bgzip) as blocks of whole lines, streaming: memory holds one
 * block (about 1 MiB of text, or one line when a line is longer).
 * @module
 */
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { pipeline } from "node:stream";
import { createGunzip } from "node:zlib";
import { VcfError } from "./errors.js";

/** Options of {@link readLineBlocks}. */
export interface LineBlockOptions {
  signal?: AbortSignal;
  /** Called after each block with the input bytes (compressed, for .gz) read so far. */
  onBytes?: (bytesRead: number) => void;
}

/** Bytes of output gunzip hands over at once: big blocks mean few line-boundary copies. */
const BLOCK = 1 << 20;

/** True when `file` starts with the gzip magic bytes (bgzip is gzip with extra fields). */
async function isGzip(file: string): Promise<boolean> {
  let fh;
  try {
    fh = await open(file, "r");
  } catch (e) {
    throw new VcfError(file, undefined, `cannot open: ${(e as Error).message}`, { cause: e });
  }
  try {
    const b = Buffer.alloc(2);
    const { bytesRead } = await fh.read(b, 0, 2, 0);
    return bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/**
 * Yield the file's text as Buffers that each hold only whole lines (every one ends with
 * "\n" except possibly the file's last). gzip input is inflated as a stream; bgzip's many
 * members are all read (node:zlib continues across concatenated members). Read or inflate
 * failures (truncated or corrupt gzip) throw a plain Error: the caller knows the line.
 */
export async function* readLineBlocks(file: string, opts: LineBlockOptions = {}): AsyncGenerator<Buffer> {
  const gz = await isGzip(file);
  const src = createReadStream(file, { highWaterMark: BLOCK });
  const out = gz ? pipeline(src, createGunzip({ chunkSize: BLOCK }), () => {}) : src;
  const parts: Buffer[] = [];
  try {
    for await (const chunk of out as AsyncIterable<Buffer>) {
      opts.signal?.throwIfAborted();
      const last = chunk.lastIndexOf(10);
      if (last < 0) { parts.push(chunk); continue; } // a line longer than a block: keep collecting
      const head = chunk.subarray(0, last + 1);
      const block = parts.length ? Buffer.concat([...parts, head]) : head;
      parts.length = 0;
      if (last + 1 < chunk.length) parts.push(chunk.subarray(last + 1));
      opts.onBytes?.(src.bytesRead);
      yield block;
    }
    if (parts.length) yield Buffer.concat(parts);
    opts.onBytes?.(src.bytesRead);
  } finally {
    src.destroy();
    if (out !== src) out.destroy();
  }
}

/** The typed error for a failure while reading (after `line` complete lines). */
export function readFailure(file: string, line: number, e: unknown): unknown {
  if (e instanceof VcfError || (e instanceof Error && e.name === "AbortError")) return e;
  const err = e as NodeJS.ErrnoException;
  const zlib = typeof err?.code === "string" && err.code.startsWith("Z_");
  const what = zlib ? "truncated or corrupt gzip data" : "read failed";
  return new VcfError(file, line + 1, `${what}: ${err?.message ?? String(e)}`, { cause: e });
}

/** End of the line starting at `s` in a block (index of its "\n", or the block's end). */
export function lineEnd(b: Buffer, s: number): number {
  const n = b.indexOf(10, s);
  return n < 0 ? b.length : n;
}

/** The lines of a block of whole lines: [start, end) without the "\n" (and a "\r" before it). */
export function* linesIn(b: Buffer): Generator<[number, number]> {
  let s = 0;
  while (s < b.length) {
    const n = lineEnd(b, s);
    yield [s, n > s && b[n - 1] === 13 ? n - 1 : n];
    s = n + 1;
  }
}
