"""Native-decode limits of bench/genomics.ts: decode every chunk of a layout, nothing else.

    /usr/bin/python3 bench/genomics/decode_limit.py blosc ARRAY_DIR WORKERS
    /usr/bin/python3 bench/genomics/decode_limit.py hdf5 FILE DATASET WORKERS

`blosc`: every chunk file of the Zarr v2 array directory ARRAY_DIR, decoded with c-blosc
through `numcodecs.blosc.decompress` (c-blosc's own threads off, so there are exactly
WORKERS decoding threads). `hdf5`: every stored chunk of DATASET (deflate only, as the demo
file writes it), read with h5py's `read_direct_chunk` and inflated with `zlib.decompress`;
no HDF5 library in the timed part. Both release the GIL while decoding.

The compressed chunks are read into memory first (not timed). A warm-up decodes WORKERS
chunks (starts the threads, allocates each thread's output buffer). Then PASSES timed passes
in a row, as the counting sides do: WORKERS threads of one ThreadPoolExecutor pull chunks
from one shared iterator and decode each into their own reused buffer, no counting and no
assembly — the upper bound of any reader of these chunks. Prints one JSON line: each pass's
seconds, decoded bytes per pass, peak RSS (KiB) and the number of chunks.
"""
import json
import os
import resource
import sys
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor

# Timed full passes per process (the driver reads them as "first" and "second").
PASSES = 2


def blosc_chunks(array_dir):
    """(decode(frame, buffer) -> bytes, frames, largest decoded size) of a Zarr v2 blosc array."""
    from numcodecs import blosc
    blosc.use_threads = False
    files = []
    for root, _, names in os.walk(array_dir):
        files += [os.path.join(root, f) for f in names if not f.startswith(".")]
    frames = []
    for f in sorted(files):
        with open(f, "rb") as fh:
            frames.append(fh.read())
    sizes = {id(fr): blosc.cbuffer_sizes(fr)[0] for fr in frames}

    def decode(frame, buf):
        n = sizes[id(frame)]
        blosc.decompress(frame, memoryview(buf)[:n])
        return n

    return decode, frames, max(sizes.values())


def hdf5_chunks(path, dataset):
    """(decode, frames, chunk bytes) of an HDF5 dataset; refuses filters other than deflate."""
    import h5py
    import numpy as np
    with h5py.File(path, "r") as f:
        ds = f[dataset]
        plist = ds.id.get_create_plist()
        filters = [plist.get_filter(i)[0] for i in range(plist.get_nfilters())]
        if filters != [h5py.h5z.FILTER_DEFLATE]:
            raise SystemExit(f"{ds.name}: filters {filters}, this limit handles deflate alone")
        chunk_bytes = int(np.prod(ds.chunks)) * ds.dtype.itemsize
        frames = []
        for i in range(ds.id.get_num_chunks()):
            info = ds.id.get_chunk_info(i)
            mask, data = ds.id.read_direct_chunk(info.chunk_offset)
            if mask != 0:
                raise SystemExit(f"{ds.name}: chunk {info.chunk_offset} skips filters (mask {mask})")
            frames.append(data)

    def decode(frame, buf):
        # zlib.decompress cannot write into `buf`: bufsize = the chunk's size makes it allocate
        # its output once, at the right size (dropped at once, so the allocator reuses it).
        return len(zlib.decompress(frame, bufsize=chunk_bytes))

    return decode, frames, chunk_bytes


def main():
    kind = sys.argv[1] if len(sys.argv) > 1 else ""
    if kind == "blosc" and len(sys.argv) == 4:
        decode, frames, biggest = blosc_chunks(sys.argv[2])
    elif kind == "hdf5" and len(sys.argv) == 5:
        decode, frames, biggest = hdf5_chunks(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit("usage: decode_limit.py blosc ARRAY_DIR WORKERS | hdf5 FILE DATASET WORKERS")
    workers = int(sys.argv[-1])
    local = threading.local()

    def drain(it):
        # Threads pull from one shared iterator (next() is atomic under the GIL): no per-chunk
        # future, whose overhead would be a fair share of a ~130 kB decode.
        buf = getattr(local, "buf", None)
        if buf is None:
            buf = local.buf = bytearray(biggest)
        n = 0
        for frame in it:
            n += decode(frame, buf)
        return n

    passes = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        barrier = threading.Barrier(workers)

        def warm(frame):
            drain(iter([frame]))
            barrier.wait()  # every thread takes one: all threads started, all buffers allocated

        list(pool.map(warm, frames[:1] * workers))
        for _ in range(PASSES):
            shared = iter(frames)
            t = time.perf_counter()
            total = sum(f.result() for f in [pool.submit(drain, shared) for _ in range(workers)])
            passes.append({"seconds": time.perf_counter() - t})
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"passes": passes, "bytes": total, "maxRssKiB": int(rss), "chunks": len(frames)}))


main()
