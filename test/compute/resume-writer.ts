// Child process for scheduler.test.ts: toZarr of a slow lazy array into an fs store, with
// resume; prints "block <i,j>" as each block's journal entry lands (the parent kills it).
import { openFsStore } from "../../src/stores/fs.js";
import { openArray } from "../../src/array/node.js";
import { fromSource } from "../../src/compute/lazy.js";
import { mapBlocks } from "../../src/compute/map-blocks.js";
import { toZarr } from "../../src/compute/compute.js";
import { kernelRef } from "../../src/runtime/kernel-task.js";
import { createPool } from "../../src/runtime/pool.js";

const [dir, ms] = process.argv.slice(2);
const store = await openFsStore(dir);
const src = await openArray(store, "src");
const ext = import.meta.url.endsWith(".ts") ? "ts" : "js";
const slow = mapBlocks(kernelRef(new URL(`./fixtures/block-kernels.${ext}`, import.meta.url), "slowCopy"), [fromSource(src)], { params: { ms: Number(ms) } });
await toZarr(slow, { store, path: "out", options: { zarrFormat: 2, compressor: { id: "zlib", level: 1 }, fillValue: 0 } }, {
  resume: true, pool: createPool({ threads: 2 }), maxInFlight: 2,
  callbacks: { onTaskEnd: (e) => process.stdout.write(`block ${e.key}\n`) },
});
process.stdout.write("done\n");
