/**
 * Measurement kernel for bench-hdf5.ts (not used by the library): reads one hyperslab with
 * h5wasm and times the two ways of getting it out of the wasm heap — copying into a shared
 * buffer passed in (what hdf5-kernel.ts does) versus slicing a fresh ArrayBuffer to return
 * (transferred or cloned; the main thread would then still copy it into shared memory).
 */
import { threadId } from "node:worker_threads";

type H5 = Awaited<typeof import("h5wasm/node")["ready"]>;
let m: Promise<H5> | undefined;
const files = new Map<string, bigint>();

/** Timings (ms) of one read: HDF5 read+decompress, copy into shared memory, slice into a fresh buffer. */
export async function timeCopies(a: { file: string; dataset: string; start: number[]; count: number[]; out: Uint8Array }): Promise<{ read: number; copyShared: number; slice: number; threadId: number }> {
  m ??= import("h5wasm/node").then((x) => x.default.ready);
  const M = await m;
  let id = files.get(a.file);
  if (id === undefined) { id = M.open(a.file, M.H5F_ACC_RDONLY, false, -1, -1); files.set(a.file, id); }
  const n = a.out.byteLength;
  const ptr = M._malloc(n);
  try {
    let t = performance.now();
    M.get_dataset_data(id, `/${a.dataset}`, a.count.map(BigInt), a.start.map(BigInt), a.count.map(() => 1n), BigInt(ptr));
    const read = performance.now() - t;
    t = performance.now();
    a.out.set(M.HEAPU8.subarray(ptr, ptr + n));
    const copyShared = performance.now() - t;
    t = performance.now();
    const fresh = M.HEAPU8.slice(ptr, ptr + n);
    const slice = performance.now() - t;
    if (fresh[0] !== a.out[0]) throw new Error("copies differ");
    return { read, copyShared, slice, threadId };
  } finally {
    M._free(ptr);
  }
}
