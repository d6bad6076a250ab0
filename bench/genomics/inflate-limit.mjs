/**
 * node:zlib's public one-shot API as a decode reference for bench/genomics.ts (info row of
 * the blosc-zlib layout): every chunk file of a Zarr v2 blosc-zlib array inflated with
 * `inflateSync` on N worker threads, no Zarr layer and no zarrflow code. (zarrflow itself
 * now drives one reused node:zlib stream per thread into the destination,
 * src/codecs/inflate-into.ts, and is faster than this row.)
 *
 *   node bench/genomics/inflate-limit.mjs ARRAY_DIR WORKERS
 *
 * The main thread reads every chunk file into one SharedArrayBuffer (not timed) and starts
 * WORKERS threads, each of which decodes one chunk as a warm-up. Then PASSES timed passes in
 * a row, as the counting sides do: from "go" until every thread is done, threads taking the
 * next chunk from a shared atomic counter, parsing its Blosc1 frame and calling `inflateSync`
 * per stream (which allocates its output), copied into one
 * reused per-thread buffer. Only what the genotype layouts need is handled: typesize-1
 * frames without shuffle (one stream per block), zlib or stored streams, memcpyed frames.
 * (The Blosc1 frame parser is bench/peers/blosc-inflate.mjs's; that script does one pass.)
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { inflateFrame, sharedFrames } from "../peers/blosc-inflate.mjs";

/** Timed full passes per process (the driver reads them as "first" and "second"). */
const PASSES = 2;

function workerMain() {
  const { n, next, frameAt, out } = sharedFrames(workerData);
  parentPort.on("message", () => {
    let decoded = 0;
    for (let i = Atomics.add(next, 0, 1); i < n; i = Atomics.add(next, 0, 1)) decoded += inflateFrame(frameAt(i), out);
    parentPort.postMessage(decoded);
  });
  parentPort.postMessage("ready");
}

async function main() {
  const [dir, workersArg] = process.argv.slice(2);
  const workers = Number(workersArg);
  if (!dir || !(Number.isInteger(workers) && workers >= 1)) throw new Error("usage: inflate-limit.mjs ARRAY_DIR WORKERS");
  const files = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.startsWith("."))
    .map((e) => readFileSync(join(e.parentPath ?? e.path, e.name)));
  const offsets = new Float64Array(files.length + 1);
  files.forEach((f, i) => { offsets[i + 1] = offsets[i] + f.length; });
  const frames = new SharedArrayBuffer(offsets[files.length]);
  files.forEach((f, i) => new Uint8Array(frames).set(f, offsets[i]));
  const counter = new SharedArrayBuffer(4);
  const threads = Array.from({ length: workers }, () => new Worker(new URL(import.meta.url), { workerData: { frames, offsets, counter } }));
  const message = (w) => new Promise((resolve, reject) => { w.once("message", resolve); w.once("error", reject); });
  await Promise.all(threads.map(message));
  const passes = [];
  let bytes = 0;
  for (let p = 0; p < PASSES; p++) {
    Atomics.store(new Int32Array(counter), 0, 0);
    const t = performance.now();
    const done = threads.map(message);
    for (const w of threads) w.postMessage("go");
    bytes = (await Promise.all(done)).reduce((s, d) => s + d, 0);
    passes.push({ seconds: (performance.now() - t) / 1000 });
  }
  await Promise.all(threads.map((w) => w.terminate()));
  process.stdout.write(JSON.stringify({ passes, bytes, maxRssKiB: process.resourceUsage().maxRSS, chunks: files.length }) + "\n");
}

if (isMainThread) await main();
else workerMain();
