"""Dask peer of bench/genomics.ts: allele counts with a one-pass numba kernel.

    /usr/bin/python3 bench/genomics/count_alleles_dask.py zarr|h5py PATH COMPONENT WORKERS [MAX_ALLELE]

`zarr`: `da.from_zarr(PATH, component=COMPONENT)` (zarr-python's chunks, (6553, 200, 2) in
the demo data). `h5py`: `da.from_array(h5py dataset, chunks=(6553, samples, 2))`, one
dask block per variant row as Ag1000G-style notebooks do (h5py serialises its reads behind
its own lock). Each block goes through the numba `@njit(nogil=True)` kernel below (so the
counting runs in parallel on the threaded scheduler), giving (v, 1, alleles) int32 per
block; blocks of a variant row are summed over the sample axis. Untimed: opening, numba's
compilation and a warm-up over the first WORKERS variant rows of chunks (the zarrflow side
warms up the same rows). Timed, PASSES times in a row in this process (first pass, then the
steady state, as the zarrflow side): building the graph and `compute(scheduler="threads",
num_workers=WORKERS)`. Prints one JSON line: each pass's seconds and total count of each
allele, decoded bytes and peak RSS (KiB).
"""
import json
import resource
import sys
import time

import dask
import dask.array as da
import numba
import numpy as np

# Timed full passes per process (the driver reads them as "first" and "second").
PASSES = 2

# kernel:start
@numba.njit(nogil=True, cache=False)
def count_block(g, n_alleles):
    """Counts of alleles 0..n_alleles-1 per variant of one (v, s, ploidy) int8 block, one pass."""
    v, s, p = g.shape
    out = np.zeros((v, n_alleles), dtype=np.int32)
    for i in range(v):
        for j in range(s):
            for k in range(p):
                a = g[i, j, k]
                if 0 <= a < n_alleles:
                    out[i, a] += 1
    return out


def count_alleles(gt, max_allele):
    """Lazy (variants, max_allele + 1) int32 counts of a dask (variants, samples, ploidy) array."""
    n = max_allele + 1
    parts = gt.map_blocks(
        lambda b: count_block(b, n)[:, None, :],
        chunks=(gt.chunks[0], (1,) * gt.numblocks[1], (n,)),
        dtype=np.int32,
    )
    return parts.sum(axis=1, dtype=np.int32)
# kernel:end


def open_array(kind, path, component):
    if kind == "zarr":
        return da.from_zarr(path, component=component), None
    if kind == "h5py":
        import h5py
        f = h5py.File(path, "r")
        ds = f[component]
        return da.from_array(ds, chunks=(ds.chunks[0], ds.shape[1], ds.shape[2])), f
    raise SystemExit(f"unknown kind {kind!r}: zarr or h5py")


def main():
    kind, path, component, workers = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    max_allele = int(sys.argv[5]) if len(sys.argv) > 5 else 3
    gt, handle = open_array(kind, path, component)
    with dask.config.set(scheduler="threads", num_workers=workers):
        rows = gt.chunks[0][0] * workers
        count_alleles(gt[:rows], max_allele).compute()  # warm-up: numba compiles, threads start
        passes = []
        for _ in range(PASSES):
            t = time.perf_counter()
            ac = count_alleles(gt, max_allele).compute(scheduler="threads", num_workers=workers)
            seconds = time.perf_counter() - t
            passes.append({"seconds": seconds, "totals": [int(x) for x in ac.sum(axis=0, dtype=np.int64)]})
            del ac  # as the zarrflow side: one result alive at a time
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({
        "passes": passes, "bytes": int(np.prod(gt.shape)), "maxRssKiB": int(rss),
        "api": f"dask {dask.__version__} + numba {numba.__version__}, {gt.numblocks[0]}×{gt.numblocks[1]} blocks",
    }))
    if handle is not None:
        handle.close()


main()
