/** The h5py-written test files of the HDF5 source tests (make-hdf5.py), shared by hdf5*.test.ts. */
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "../paths.js";

/** The Python with h5py (Debian's). */
export const PYTHON = process.env.PYTHON ?? "/usr/bin/python3";

/** false when h5py is importable, else why the tests skip. */
export const H5PY_SKIP: false | string = spawnSync(PYTHON, ["-c", "import h5py"]).status === 0 ? false : `h5py is not installed for ${PYTHON}`;

/** One dataset make-hdf5.py wrote: its path in data.h5, the raw C-order values file (if any), shape, dtype and HDF5 chunks. */
export interface Entry { path: string; file: string | null; shape: number[]; dtype: string; chunks: number[] | null }

/** Write data.h5 and the values files into `dir` with make-hdf5.py; returns its manifest. */
export function makeH5pyData(dir: string): Entry[] {
  execFileSync(PYTHON, [join(REPO, "test", "sources", "make-hdf5.py"), dir], { stdio: ["ignore", "inherit", "inherit"] });
  return JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Entry[];
}
