"""Derived benchmark data written by zarr-python (the reference encoder), not by zarrflow.

    /usr/bin/python3 bench/peers/make_copy.py npy SRC COMPONENT OUT.npy
        the array as a .npy file (the in-memory source of the write workload)
    /usr/bin/python3 bench/peers/make_copy.py recompress SRC COMPONENT DST CNAME CLEVEL
        a copy at DST/COMPONENT with the same chunks, blosc CNAME/CLEVEL noshuffle, fill -1
    /usr/bin/python3 bench/peers/make_copy.py tiny SRC COMPONENT DST ROWS C0,C1,C2
        DST/calldata/GT: the first ROWS rows of SRC/COMPONENT (tiled with np.resize when
        SRC has fewer), chunked C0,C1,C2, blosc zlib 3 noshuffle, fill -1
Recompressed copies go chunk row by chunk row, so memory stays at one chunk row.
"""
import sys

import numpy as np
import zarr

from peer_common import blosc


def create(dst: str, shape, chunks, cname: str, clevel: int):
    root = zarr.open_group(dst, mode="w")
    return root.create_dataset("calldata/GT", shape=shape, chunks=chunks, dtype="i1",
                               compressor=blosc(cname, clevel), fill_value=-1)


def main() -> None:
    cmd = sys.argv[1]
    if cmd == "npy":
        src, component, out = sys.argv[2:5]
        np.save(out, zarr.open_array(src, mode="r", path=component)[:])
    elif cmd == "recompress":
        src, component, dst, cname, clevel = sys.argv[2:7]
        z = zarr.open_array(src, mode="r", path=component)
        d = create(dst, z.shape, z.chunks, cname, int(clevel))
        step = z.chunks[0]
        for r in range(0, z.shape[0], step):
            d[r:r + step] = z[r:r + step]
    elif cmd == "tiny":
        src, component, dst, rows = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
        chunks = tuple(int(c) for c in sys.argv[6].split(","))
        z = zarr.open_array(src, mode="r", path=component)
        data = np.resize(z[: min(rows, z.shape[0])], (rows,) + z.shape[1:])
        create(dst, data.shape, chunks, "zlib", 3)[:] = data
    else:
        raise SystemExit(f"unknown command {cmd}")


main()
