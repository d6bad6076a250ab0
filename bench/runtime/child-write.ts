/**
 * zarrflow write side of the benchmark, in its own process:
 *
 *   node --import tsx bench/runtime/child-write.ts NPY OUT CNAME CLEVEL C0,C1,C2 THREADS
 *
 * Loads the int8 .npy file and writes its first chunk row to a scratch copy (warm-up,
 * starts the pool; not timed), then times creating OUT (a v2 group with
 * calldata/GT, blosc CNAME/CLEVEL noshuffle, fill -1, as the demo data) and
 * `set(arr, null, data, {pool})` with THREADS pool threads (0 = main thread).
 * @module
 */
import { closeSync, openSync, readSync, rmSync } from "node:fs";
import { createArray, createGroup } from "../../src/array/node.js";
import { openFsStore } from "../../src/stores/fs.js";
import { reportResult } from "./child-result.js";
import { makeWriter, type Writer } from "./zarrflow-api.js";

/** The data and shape of an int8 C-order .npy file (format 1.0–3.0; read in pieces, so files over 2 GiB work). */
function loadInt8Npy(file: string): { data: Int8Array; shape: number[] } {
  const fd = openSync(file, "r");
  try {
    const head = Buffer.alloc(12);
    readSync(fd, head, 0, 12, 0);
    if (head.toString("latin1", 0, 6) !== "\x93NUMPY") throw new Error(`${file}: not a .npy file`);
    const v1 = head[6] === 1;
    const at = v1 ? 10 : 12;
    const headerLen = v1 ? head.readUInt16LE(8) : head.readUInt32LE(8);
    const headerBytes = Buffer.alloc(headerLen);
    readSync(fd, headerBytes, 0, headerLen, at);
    const header = headerBytes.toString("latin1");
    if (!/'descr':\s*'\|i1'/.test(header) || /'fortran_order':\s*True/.test(header)) throw new Error(`${file}: expected a C-order int8 array, header ${header}`);
    const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? "").split(",").filter((s) => s.trim()).map(Number);
    const data = new Int8Array(shape.reduce((p, q) => p * q, 1));
    const bytes = new Uint8Array(data.buffer);
    for (let done = 0; done < bytes.length;) {
      const n = readSync(fd, bytes, done, Math.min(1 << 30, bytes.length - done), at + headerLen + done);
      if (n === 0) throw new Error(`${file}: truncated data`);
      done += n;
    }
    return { data, shape };
  } finally {
    closeSync(fd);
  }
}

/** Create OUT as the demo data's layout and write `data` of `shape` into it. */
async function writeCopy(writer: Writer, out: string, data: Int8Array, shape: number[]): Promise<void> {
  const store = await openFsStore(out, { create: true });
  await createGroup(store, "", { zarrFormat: 2 });
  await createGroup(store, "calldata", { zarrFormat: 2 });
  const arr = await createArray(store, "calldata/GT", {
    zarrFormat: 2, shape, dtype: "int8", chunks,
    compressor: { id: "blosc", cname, clevel: Number(clevel), shuffle: 0, blocksize: 0 }, fillValue: -1,
  });
  await writer.write(arr, null, data);
}

const [npy, out, cname, clevel, chunksArg, threadsArg] = process.argv.slice(2);
const chunks = chunksArg.split(",").map(Number);
const { data, shape } = loadInt8Npy(npy);
const writer = makeWriter(Number(threadsArg));
// Warm-up (not timed): the first chunk row into a scratch copy starts the pool threads.
const rows = Math.min(shape[0], chunks[0]);
const warm = `${out}.warmup`;
await writeCopy(writer, warm, data.subarray(0, rows * (data.length / shape[0])), [rows, ...shape.slice(1)]);
rmSync(warm, { recursive: true, force: true });
const t = performance.now();
await writeCopy(writer, out, data, shape);
const seconds = (performance.now() - t) / 1000;
await writer.close();
reportResult({ seconds, bytes: data.byteLength, checksum: null, api: writer.api() });
