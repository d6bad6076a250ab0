"""Native-decode limit of the HDF5 layout for bench/genomics.ts: inflate its chunks, nothing else.

    /usr/bin/python3 bench/genomics/hdf5_decode.py FILE DATASET WORKERS

Reads every stored chunk of DATASET (gzip/deflate only, as the demo file writes it) with
h5py's `read_direct_chunk` into memory (not timed), then times inflating all of them with
`zlib.decompress` on a ThreadPoolExecutor of WORKERS threads (CPython's zlib releases the GIL
while inflating), with no HDF5 library, no counting and no assembly: the upper bound of any
reader of this file. The Zarr layouts' limit is bench/peers/blosc_decode.py (c-blosc).
Prints one JSON line like the other children.
"""
import json
import resource
import sys
import time
import zlib
from concurrent.futures import ThreadPoolExecutor

import h5py
import numpy as np


def raw_chunks(ds):
    """Every stored chunk's bytes; refuses filters other than deflate (the limit would be wrong)."""
    plist = ds.id.get_create_plist()
    filters = [plist.get_filter(i)[0] for i in range(plist.get_nfilters())]
    if filters != [h5py.h5z.FILTER_DEFLATE]:
        raise SystemExit(f"{ds.name}: filters {filters}, this limit handles deflate alone")
    out = []
    for i in range(ds.id.get_num_chunks()):
        info = ds.id.get_chunk_info(i)
        mask, data = ds.id.read_direct_chunk(info.chunk_offset)
        if mask != 0:
            raise SystemExit(f"{ds.name}: chunk {info.chunk_offset} skips filters (mask {mask})")
        out.append(data)
    return out


def main():
    path, dataset, workers = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with h5py.File(path, "r") as f:
        ds = f[dataset]
        chunk_bytes = int(np.prod(ds.chunks)) * ds.dtype.itemsize
        frames = raw_chunks(ds)

    def drain(it):
        # Threads pull from one shared iterator (next() is atomic under the GIL): no
        # per-chunk future, whose overhead would be a fair share of a 131 kB inflate.
        n = 0
        for frame in it:
            n += len(zlib.decompress(frame, bufsize=chunk_bytes))
        return n

    with ThreadPoolExecutor(max_workers=workers) as pool:
        sum(pool.map(lambda f: drain(iter([f])), frames[:workers]))  # warm-up: start the threads
        shared = iter(frames)
        t = time.perf_counter()
        total = sum(f.result() for f in [pool.submit(drain, shared) for _ in range(workers)])
        seconds = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "bytes": total, "maxRssKiB": int(rss), "checksum": None, "chunks": len(frames)}))


main()
