/**
 * Native-decode limit (b): the blosc-zlib chunk files of one Zarr v2 array inflated with
 * node:zlib on N worker threads, no Zarr layer and no zarrflow code.
 *
 *   node bench/peers/blosc-inflate.mjs ARRAY_DIR WORKERS [--assemble]
 *
 * The main thread reads every chunk file into one SharedArrayBuffer (not timed) and starts
 * WORKERS threads, each of which decodes one chunk as a warm-up. Timed: from "go" until
 * every thread is done. Threads take the next chunk from a shared atomic counter, parse the
 * Blosc1 frame with the small parser below and `inflateSync` every stream into one
 * reusable per-thread buffer. Only what the genotype layouts use is supported: zlib streams
 * (format 3) without shuffle, split or not, raw (incompressible) streams and memcpyed frames.
 *
 * With --assemble each decoded chunk is also copied into its place in one SharedArrayBuffer
 * holding the whole array (shape, chunks and key separator from ARRAY_DIR/.zarray): the
 * extra work a full read must do beyond decoding. The checksum of the assembled array is
 * reported, so it can be compared with what the readers return.
 */
import { readdirSync, readFileSync } from "node:fs";
import path, { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { inflateSync } from "node:zlib";
import { checksum, report } from "./peer-common.mjs";

const HEADER = 16;
const FLAG_SHUFFLE = 0x01;
const FLAG_MEMCPYED = 0x02;
const FLAG_BITSHUFFLE = 0x04;
const FLAG_DONT_SPLIT = 0x10;
const FORMAT_ZLIB = 3;

const u32 = (b, at) => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
const i32 = (b, at) => b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24);

/** Decoded size of a frame (header bytes 4..8). */
export const frameBytes = (frame) => u32(frame, 4);

/** Decode one Blosc1 zlib frame into `out` (at least nbytes long); returns nbytes. */
export function inflateFrame(frame, out) {
  const flags = frame[2];
  const typesize = frame[3];
  const nbytes = u32(frame, 4);
  const blocksize = u32(frame, 8);
  if (flags & FLAG_MEMCPYED) {
    out.set(frame.subarray(HEADER, HEADER + nbytes));
    return nbytes;
  }
  if (flags >>> 5 !== FORMAT_ZLIB) throw new Error(`not a blosc-zlib frame (format ${flags >>> 5})`);
  if ((flags & FLAG_SHUFFLE && typesize > 1) || flags & FLAG_BITSHUFFLE) throw new Error("shuffled frames are not supported by this bench parser");
  const nblocks = Math.ceil(nbytes / blocksize);
  const leftover = nbytes % blocksize;
  const split = (flags & FLAG_DONT_SPLIT) === 0 && typesize <= 16 && Math.floor(blocksize / typesize) >= 128;
  for (let j = 0; j < nblocks; j++) {
    const last = j === nblocks - 1 && leftover > 0;
    const bsize = last ? leftover : blocksize;
    const nsplits = split && !last ? typesize : 1;
    const neblock = bsize / nsplits;
    let off = i32(frame, HEADER + 4 * j);
    for (let k = 0; k < nsplits; k++) {
      const cs = i32(frame, off);
      off += 4;
      const at = j * blocksize + k * neblock;
      const stream = frame.subarray(off, off + cs);
      if (cs === neblock) out.set(stream, at);
      else {
        const d = inflateSync(stream);
        if (d.length !== neblock) throw new Error(`block ${j} stream ${k}: ${d.length} bytes, expected ${neblock}`);
        out.set(d, at);
      }
      off += cs;
    }
  }
  return nbytes;
}

/** Chunk files of a v2 array directory (any nesting), sorted; dot files are metadata. */
function chunkFiles(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.startsWith("."))
    .map((e) => join(e.parentPath ?? e.path, e.name))
    .sort();
}

/**
 * Copy a decoded C-order chunk at grid position `coords` into the C-order array `out`,
 * clipping edge chunks. Trailing dimensions that the chunk covers whole in both layouts are
 * merged into one contiguous run, so the loop runs over the leading dimensions only.
 */
function placeChunk(chunk, coords, out, shape, chunks, itemsize) {
  const nd = shape.length;
  const start = coords.map((c, d) => c * chunks[d]);
  const extent = start.map((s0, d) => Math.min(chunks[d], shape[d] - s0));
  let k = nd - 1; // the run spans dims k..nd-1
  while (k > 0 && extent[k] === chunks[k] && extent[k] === shape[k]) k--;
  let run = itemsize;
  for (let d = k; d < nd; d++) run *= extent[d];
  const outStride = new Array(nd).fill(itemsize);
  const chunkStride = new Array(nd).fill(itemsize);
  for (let d = nd - 2; d >= 0; d--) {
    outStride[d] = outStride[d + 1] * shape[d + 1];
    chunkStride[d] = chunkStride[d + 1] * chunks[d + 1];
  }
  let base = 0;
  for (let d = k; d < nd; d++) base += start[d] * outStride[d];
  const idx = new Array(k).fill(0);
  for (;;) {
    let o = base;
    let c = 0;
    for (let d = 0; d < k; d++) {
      o += (start[d] + idx[d]) * outStride[d];
      c += idx[d] * chunkStride[d];
    }
    out.set(chunk.subarray(c, c + run), o);
    let d = k - 1;
    for (; d >= 0; d--) {
      if (++idx[d] < extent[d]) break;
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

/**
 * A worker's view of the frames shared by the main thread: `frameAt(i)`, the shared claim
 * counter `next` (Atomics.add hands out frame indexes), and an output buffer for the largest
 * frame, warmed by decoding frame 0.
 */
export function sharedFrames({ frames, offsets, counter }) {
  const bytes = new Uint8Array(frames);
  const next = new Int32Array(counter);
  const n = offsets.length - 1;
  const frameAt = (i) => bytes.subarray(offsets[i], offsets[i + 1]);
  let biggest = 0;
  for (let i = 0; i < n; i++) biggest = Math.max(biggest, frameBytes(frameAt(i)));
  const out = new Uint8Array(biggest);
  inflateFrame(frameAt(0), out);
  return { n, next, frameAt, out };
}

function workerMain() {
  const { assemble } = workerData;
  const { n, next, frameAt, out } = sharedFrames(workerData);
  const result = assemble ? new Uint8Array(assemble.out) : undefined;
  const nd = assemble?.shape.length ?? 0;
  parentPort.postMessage("ready");
  parentPort.once("message", () => {
    let decoded = 0;
    let chunks = 0;
    for (let i = Atomics.add(next, 0, 1); i < n; i = Atomics.add(next, 0, 1)) {
      decoded += inflateFrame(frameAt(i), out);
      if (result) placeChunk(out, Array.from(assemble.coords.subarray(i * nd, (i + 1) * nd)), result, assemble.shape, assemble.chunks, assemble.itemsize);
      chunks++;
    }
    parentPort.postMessage({ decoded, chunks });
  });
}

/** Shape, chunk grid positions and output buffer for --assemble, from the array's .zarray. */
function assembly(dir, files) {
  const meta = JSON.parse(readFileSync(join(dir, ".zarray"), "utf8"));
  const itemsize = Number(meta.dtype.slice(2));
  const sep = meta.dimension_separator ?? ".";
  const nd = meta.shape.length;
  const coords = new Int32Array(files.length * nd);
  files.forEach((f, i) => {
    const c = path.relative(dir, f).split(sep === "/" ? path.sep : ".").map(Number);
    if (c.length !== nd || c.some((x) => !Number.isInteger(x))) throw new Error(`${f}: not a chunk key of a ${nd}-d array`);
    coords.set(c, i * nd);
  });
  const size = meta.shape.reduce((p, q) => p * q, itemsize);
  return { out: new SharedArrayBuffer(size), shape: meta.shape, chunks: meta.chunks, itemsize, coords, size };
}

async function main() {
  const [dir, workersArg, flag] = process.argv.slice(2);
  const workers = Number(workersArg);
  const names = chunkFiles(dir);
  const files = names.map((f) => readFileSync(f));
  const offsets = new Float64Array(files.length + 1);
  files.forEach((f, i) => { offsets[i + 1] = offsets[i] + f.length; });
  const frames = new SharedArrayBuffer(offsets[files.length]);
  files.forEach((f, i) => new Uint8Array(frames).set(f, offsets[i]));
  const counter = new SharedArrayBuffer(4);
  const assemble = flag === "--assemble" ? assembly(dir, names) : undefined;
  const threads = Array.from({ length: workers }, () => new Worker(new URL(import.meta.url), { workerData: { role: "blosc-inflate", frames, offsets, counter, assemble } }));
  const message = (w) => new Promise((resolve, reject) => { w.once("message", resolve); w.once("error", reject); });
  await Promise.all(threads.map(message));
  const t = performance.now();
  const done = threads.map(message);
  for (const w of threads) w.postMessage("go");
  const results = await Promise.all(done);
  const seconds = (performance.now() - t) / 1000;
  await Promise.all(threads.map((w) => w.terminate()));
  const decoded = results.reduce((s, r) => s + r.decoded, 0);
  const chunks = results.reduce((s, r) => s + r.chunks, 0);
  // Assembled: the array's bytes and the same sampled checksum as every reader (int8 data).
  if (assemble) report({ seconds, bytes: assemble.size, checksum: assemble.itemsize === 1 ? checksum(new Int8Array(assemble.out)) : null, chunks });
  else report({ seconds, bytes: decoded, checksum: null, chunks });
}

// Run as a script (or as one of its worker threads); importing the parser does nothing.
// Only this script's own workers run workerMain: other scripts' workers may import the parser.
if (!isMainThread && workerData?.role === "blosc-inflate") workerMain();
else if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
