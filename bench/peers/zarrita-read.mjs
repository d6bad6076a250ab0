/**
 * zarrita.js read peer: full read of one Zarr array with `zarr.get(arr)`, timed after a
 * warm-up read of the first chunk row (module and WASM codec start-up).
 *
 *   node bench/peers/zarrita-read.mjs PATH COMPONENT
 *
 * zarrita.js decodes on the main thread (numcodecs.js WASM codecs). Its default queue
 * starts every chunk read at once, which runs out of file descriptors beyond the process's
 * limit (20 000 here); above MAX_UNBOUNDED chunks the peer passes zarrita's `createQueue`
 * option a queue running QUEUE_WIDTH reads at a time, and says so in `api`.
 * Prints one JSON line: seconds, bytes, maxRssKiB (process.resourceUsage().maxRSS), checksum.
 */
import * as zarr from "zarrita";
import { FileSystemStore } from "@zarrita/storage";
import { checksum, report } from "./peer-common.mjs";

const MAX_UNBOUNDED = 4096;
const QUEUE_WIDTH = 64;

/** A zarrita ChunkQueue running at most `width` tasks at once. */
function boundedQueue(width) {
  const waiting = [];
  const all = [];
  let running = 0;
  const next = () => {
    if (running >= width || waiting.length === 0) return;
    running++;
    const { fn, settle } = waiting.shift();
    fn().then(settle.resolve, settle.reject).finally(() => { running--; next(); });
  };
  return {
    add(fn) {
      let settle;
      all.push(new Promise((resolve, reject) => { settle = { resolve, reject }; }));
      waiting.push({ fn, settle });
      next();
    },
    onIdle: () => Promise.all(all),
  };
}

const [path, component] = process.argv.slice(2);
const arr = await zarr.open.v2(zarr.root(new FileSystemStore(path)).resolve(component), { kind: "array" });
const chunks = arr.shape.reduce((p, s, i) => p * Math.ceil(s / arr.chunks[i]), 1);
const opts = chunks > MAX_UNBOUNDED ? { createQueue: () => boundedQueue(QUEUE_WIDTH) } : {};
const api = chunks > MAX_UNBOUNDED ? `zarr.get(arr, null, {createQueue}) (${QUEUE_WIDTH} reads at a time)` : "zarr.get(arr)";
await zarr.get(arr, [zarr.slice(0, arr.chunks[0]), ...arr.shape.slice(1).map(() => null)], opts);
const t = performance.now();
const a = await zarr.get(arr, null, opts);
const seconds = (performance.now() - t) / 1000;
report({ seconds, bytes: a.data.byteLength, checksum: checksum(a.data), shape: a.shape, api });
