"""Python write peers: write an in-memory array (loaded from .npy, not timed) to a fresh Zarr v2 directory.

    /usr/bin/python3 bench/peers/zarr_write.py MODE NPY OUT CNAME CLEVEL C0,C1,C2 WORKERS

MODE
  zarr   zarr-python `z[:] = data` (numcodecs as installed: c-blosc may use its own threads)
  dask   `da.from_array(data, chunks=...).to_zarr(OUT, component="calldata/GT", ...)`
         on the threaded scheduler with WORKERS threads
The array is calldata/GT with blosc CNAME/CLEVEL noshuffle and fill value -1, as the demo
data. The first chunk row is written to a scratch copy first (warm-up, not timed). Timed: creating the array and writing every chunk (page-cache writes, no fsync).
"""
import shutil
import sys
import time

import numpy as np

from peer_common import blosc, report


def writer(mode: str, compressor, chunks, workers: int):
    """A function writing an array to a fresh directory the way MODE does."""
    if mode == "zarr":
        import zarr
        def write(out, data):
            root = zarr.open_group(out, mode="w")
            z = root.create_dataset("calldata/GT", shape=data.shape, chunks=chunks, dtype=data.dtype,
                                    compressor=compressor, fill_value=-1)
            z[:] = data
        return write
    if mode == "dask":
        import dask
        import dask.array as da
        def write(out, data):
            with dask.config.set(scheduler="threads", num_workers=workers):
                da.from_array(data, chunks=chunks).to_zarr(out, component="calldata/GT", compressor=compressor,
                                                           fill_value=-1, overwrite=True)
        return write
    raise SystemExit(f"unknown mode {mode}")


def main() -> None:
    mode, npy, out, cname, clevel = sys.argv[1:6]
    chunks = tuple(int(c) for c in sys.argv[6].split(","))
    workers = int(sys.argv[7])
    data = np.load(npy)
    write = writer(mode, blosc(cname, int(clevel)), chunks, workers)
    write(out + ".warmup", data[: chunks[0]])  # warm-up, as every side: imports, thread pools
    shutil.rmtree(out + ".warmup")
    t = time.perf_counter()
    write(out, data)
    seconds = time.perf_counter() - t
    report(seconds, data.nbytes)


main()
