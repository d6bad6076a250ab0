/**
 * Helpers of the src/hdf5 tests: write HDF5 files with h5py (make-files.py), compare what
 * readHdf5Layout says with what HDF5 itself reports, and decode stored chunks straight from the
 * file (node:zlib, unshuffle, fletcher32 stripped) to compare them with the values h5py read.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, readSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import { openFileReader } from "../../src/hdf5/file-reader.js";
import { resolvePath } from "../../src/hdf5/groups.js";
import type { Hdf5DatasetLayout } from "../../src/hdf5/index.js";
import { parseLayout } from "../../src/hdf5/layout-message.js";
import { readSuperblock } from "../../src/hdf5/superblock.js";
import { REPO } from "../paths.js";

export const PYTHON = process.env.PYTHON ?? "/usr/bin/python3";
export const hasH5py = spawnSync(PYTHON, ["-c", "import h5py"]).status === 0;
/** Skip reason for node:test when h5py is missing. */
export const skipNoH5py: false | string = hasH5py ? false : `h5py is not installed for ${PYTHON}`;

/** One dataset as h5py describes it (see make-files.py). */
export interface Entry {
  file: string;
  path: string;
  shape: number[];
  maxshape: (number | null)[];
  itemsize: number;
  cls: "integer" | "float" | "other";
  le: boolean;
  signed: boolean;
  filters: { id: number; optional: boolean; clientData: number[]; name: string }[];
  fill: string | null;
  layout: "compact" | "contiguous" | "chunked";
  chunks?: number[];
  grid?: number[];
  numChunks?: number;
  /** Chunked: per grid position (C order); contiguous: one number. */
  address?: number[] | number;
  size?: number[] | number;
  mask?: number[];
  bin?: string;
  h5pyChunkBase?: number;
  h5pyCoordsWrong?: boolean;
  /** With h5pyCoordsWrong: every stored chunk's [address, size, mask] as HDF5 lists them by index. */
  chunkSet?: number[][];
}

const SCRIPT = join(REPO, "test", "hdf5", "make-files.py");

/** A fresh temp dir. */
export function tempDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `zarrflow-hdf5-${name}-`));
}

/** Write the files of `set` into `dir`; returns the manifest. */
export function makeFiles(set: "earliest" | "latest" | "hostile", dir: string): Entry[] {
  execFileSync(PYTHON, [SCRIPT, set, dir], { stdio: ["ignore", "inherit", "inherit"] });
  return JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Entry[];
}

/** h5py's description of one dataset of any file. */
export function h5pyInfo(file: string, dataset: string): Entry {
  return JSON.parse(execFileSync(PYTHON, [SCRIPT, "info", file, dataset], { encoding: "utf8" })) as Entry;
}

const hex = (b: Uint8Array | undefined): string | null => (b === undefined ? null : Buffer.from(b).toString("hex"));

/** Compare everything but the storage details with h5py's description. */
export function checkHeader(l: Hdf5DatasetLayout, e: Entry): void {
  const at = `${e.file}#${e.path}`;
  assert.deepEqual(l.shape, e.shape, `${at}: shape`);
  assert.deepEqual(l.maxShape, e.maxshape, `${at}: maxShape`);
  assert.deepEqual(l.datatype, { class: e.cls, size: e.itemsize, littleEndian: e.le, signed: e.signed }, `${at}: datatype`);
  assert.deepEqual(l.filters, e.filters, `${at}: filters`);
  assert.equal(hex(l.fillValue), e.fill, `${at}: fill value`);
  assert.equal(l.storage.kind, e.layout, `${at}: layout`);
}

/** Compare the storage with h5py's: chunk by chunk, or the contiguous block. */
export function checkStorage(l: Hdf5DatasetLayout, e: Entry): void {
  const at = `${e.file}#${e.path}`;
  const s = l.storage;
  if (s.kind === "contiguous") {
    assert.deepEqual([s.address, s.size], [e.address, e.size], `${at}: contiguous address and size`);
    return;
  }
  if (s.kind !== "chunked") return;
  assert.deepEqual(s.chunkShape, e.chunks, `${at}: chunk shape`);
  assert.deepEqual(s.chunks.grid, e.grid, `${at}: grid`);
  const { address, size, filterMask } = s.chunks;
  const stored = address.filter((a) => a >= 0).length;
  assert.equal(stored, e.numChunks, `${at}: number of stored chunks`);
  if (!Array.isArray(e.address)) return;
  const base = e.h5pyChunkBase ?? 0;
  const theirs = e.address.map((a, i) => [a < 0 ? -1 : a + base, (e.size as number[])[i], e.mask![i]]);
  const ours = [...address].map((a, i) => [a, size[i], filterMask[i]]);
  if (e.h5pyCoordsWrong) {
    // HDF5 misplaces these chunks: compare the sets (decoding proves the placement).
    const key = (t: number[]): string => t.join(",");
    assert.deepEqual(ours.filter((t) => t[0] >= 0).map(key).sort(), e.chunkSet!.map(key).sort(), `${at}: the set of chunks`);
    return;
  }
  for (let i = 0; i < ours.length; i++) assert.deepEqual(ours[i], theirs[i], `${at}: chunk ${i} (address, size, mask)`);
}

/** Undo the pipeline (skipping filters the mask says were skipped) on a stored chunk. */
export function decodeChunk(stored: Uint8Array, l: Hdf5DatasetLayout, mask: number): Uint8Array {
  let b = stored;
  for (let i = l.filters.length - 1; i >= 0; i--) {
    if ((mask >>> i) & 1) continue;
    const f = l.filters[i];
    if (f.id === 1) b = new Uint8Array(inflateSync(b));
    else if (f.id === 3) b = b.subarray(0, b.length - 4);
    else if (f.id === 2) b = unshuffle(b, f.clientData[0] ?? l.datatype.size);
    else throw new Error(`no decoder for filter ${f.name}`);
  }
  return b;
}

function unshuffle(b: Uint8Array, item: number): Uint8Array {
  const n = Math.floor(b.length / item);
  const out = b.slice();
  for (let k = 0; k < item; k++) for (let i = 0; i < n; i++) out[i * item + k] = b[k * n + i];
  return out;
}

/** Bytes [pos, pos + len) of a file. */
export function readBytes(file: string, pos: number, len: number): Uint8Array {
  const fd = openSync(file, "r");
  try {
    const b = new Uint8Array(len);
    assert.equal(readSync(fd, b, 0, len, pos), len, `read ${len} bytes at ${pos} of ${file}`);
    return b;
  } finally {
    closeSync(fd);
  }
}

/**
 * For every chunk of the grid: decode it from the file (stored chunks) or take the fill value
 * (missing chunks), and compare the part inside the dataset with the values h5py read.
 * Returns the number of stored chunks decoded.
 */
export function checkValues(file: string, l: Hdf5DatasetLayout, values: Uint8Array, onlySlots?: number[]): number {
  const s = l.storage;
  assert.equal(s.kind, "chunked");
  if (s.kind !== "chunked") return 0;
  const item = l.datatype.size;
  const { grid } = s.chunks;
  const rank = grid.length;
  const fill = l.fillValue ?? new Uint8Array(item);
  const fd = openSync(file, "r");
  let decoded = 0;
  try {
    const slots = onlySlots ?? [...Array(s.chunks.address.length).keys()];
    for (const slot of slots) {
      const scaled: number[] = [];
      for (let d = rank - 1, r = slot; d >= 0; d--) {
        scaled[d] = r % grid[d];
        r = Math.floor(r / grid[d]);
      }
      let chunk: Uint8Array | undefined;
      if (s.chunks.address[slot] >= 0) {
        const raw = new Uint8Array(s.chunks.size[slot]);
        readSync(fd, raw, 0, raw.length, s.chunks.address[slot]);
        chunk = decodeChunk(raw, l, s.chunks.filterMask[slot]);
        assert.equal(chunk.length, s.chunkShape.reduce((a, b) => a * b, item), `chunk ${slot}: decoded size`);
        decoded++;
      }
      forEachElement(l.shape, s.chunkShape, scaled, (inChunk, inArray) => {
        for (let k = 0; k < item; k++) {
          const want = values[inArray * item + k];
          const got = chunk ? chunk[inChunk * item + k] : fill[k];
          if (got !== want) assert.fail(`chunk ${slot} (${scaled}): element ${inArray} byte ${k} is ${got}, h5py read ${want}${chunk ? "" : " (chunk not stored: fill value)"}`);
        }
      });
    }
  } finally {
    closeSync(fd);
  }
  return decoded;
}

/** Call `f(index in chunk, index in array)` for the elements of chunk `scaled` inside `shape`. */
function forEachElement(shape: number[], chunk: number[], scaled: number[], f: (inChunk: number, inArray: number) => void): void {
  const rank = shape.length;
  const start = scaled.map((s, d) => s * chunk[d]);
  const extent = start.map((s, d) => Math.min(chunk[d], shape[d] - s));
  const pos = new Array<number>(rank).fill(0);
  const total = extent.reduce((a, b) => a * b, 1);
  for (let n = 0; n < total; n++) {
    let inChunk = 0;
    let inArray = 0;
    for (let d = 0; d < rank; d++) {
      inChunk = inChunk * chunk[d] + pos[d];
      inArray = inArray * shape[d] + start[d] + pos[d];
    }
    f(inChunk, inArray);
    for (let d = rank - 1; d >= 0 && ++pos[d] === extent[d]; d--) pos[d] = 0;
  }
}

/** Where a dataset's object header and its layout message body are (relative addresses; reader internals). */
export function layoutMessageAt(file: string, path: string): { header: number; body: number } {
  const reader = openFileReader(file, path);
  try {
    const sb = readSuperblock(reader, path);
    const ctx = { reader, key: path, offsetSize: sb.offsetSize, lengthSize: sb.lengthSize, base: sb.base };
    const found = resolvePath(ctx, sb.rootAddress, path);
    return { header: found.address, body: found.messages.find((x) => x.type === 0x8)!.addr };
  } finally {
    reader.close();
  }
}

/** The chunk index type a dataset's layout message names (read with the reader's own internals). */
export function indexTypeOf(file: string, path: string): string {
  const reader = openFileReader(file, path);
  try {
    const sb = readSuperblock(reader, path);
    const ctx = { reader, key: path, offsetSize: sb.offsetSize, lengthSize: sb.lengthSize, base: sb.base };
    const m = resolvePath(ctx, sb.rootAddress, path).messages.find((x) => x.type === 0x8)!;
    const layout = parseLayout(ctx, m.data, m.addr);
    return layout.kind === "chunked" ? layout.index.type : layout.kind;
  } finally {
    reader.close();
  }
}
