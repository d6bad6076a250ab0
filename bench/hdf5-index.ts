/**
 * Parse time of big chunk indexes: 150,000 gzip chunks under a v1 B-tree, a fixed array, an
 * extensible array and a v2 B-tree (files written by test/hdf5/make-files.py bench).
 *
 *   node --import tsx bench/hdf5-index.ts [DIR]
 *
 * Prints per index the median of 5 runs of readHdf5Layout (the OS page cache is warm after the
 * first run; the parser's own page cache lives for one call only).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readHdf5Layout } from "../src/hdf5/index.js";
import { REPO } from "../test/paths.js";

const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), "zarrflow-hdf5-bench-"));
const PYTHON = process.env.PYTHON ?? "/usr/bin/python3";
execFileSync(PYTHON, [join(REPO, "test", "hdf5", "make-files.py"), "bench", dir], { stdio: "inherit" });
const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as { file: string; path: string; numChunks: number }[];
for (const e of manifest) {
  const times: number[] = [];
  for (let run = 0; run < 5; run++) {
    const t0 = performance.now();
    const l = readHdf5Layout(join(dir, e.file), e.path);
    times.push(performance.now() - t0);
    assert.ok(l.storage.kind === "chunked");
    assert.equal(l.storage.chunks.address.filter((a) => a >= 0).length, e.numChunks);
  }
  times.sort((a, b) => a - b);
  console.log(`${e.path.padEnd(10)} ${e.numChunks} chunks: median ${times[2].toFixed(1)} ms (min ${times[0].toFixed(1)}, max ${times[4].toFixed(1)})`);
}
if (process.argv[2] === undefined) rmSync(dir, { recursive: true, force: true });
