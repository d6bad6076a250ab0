"""Native-decode limit (a): c-blosc through numcodecs, no Zarr layer.

    /usr/bin/python3 bench/peers/blosc_decode.py ARRAY_DIR WORKERS

Reads every chunk file of the Zarr v2 array directory ARRAY_DIR into memory (not timed),
then times decoding all of them with `numcodecs.blosc.decompress` on a ThreadPoolExecutor
of WORKERS threads (numcodecs releases the GIL while c-blosc runs; c-blosc's own threads are
off so there are exactly WORKERS decoding threads). Each thread decodes into one reusable
buffer: this measures decompression alone, the upper bound of any reader.
"""
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from numcodecs import blosc

from peer_common import report


def chunk_files(array_dir: str) -> list:
    """Chunk keys of a v2 array directory ('.'-separated keys, or nested '/' folders)."""
    out = []
    for root, _, files in os.walk(array_dir):
        out += [os.path.join(root, f) for f in files if not f.startswith(".")]
    return sorted(out)


def main() -> None:
    array_dir, workers = sys.argv[1], int(sys.argv[2])
    blosc.use_threads = False
    frames = [open(f, "rb").read() for f in chunk_files(array_dir)]
    sizes = [blosc.cbuffer_sizes(f)[0] for f in frames]
    biggest = max(sizes)
    local = threading.local()

    def decode(i: int) -> int:
        buf = getattr(local, "buf", None)
        if buf is None:
            buf = local.buf = bytearray(biggest)
        blosc.decompress(frames[i], memoryview(buf)[: sizes[i]])
        return sizes[i]

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(decode, range(min(len(frames), workers))))  # warm-up: start threads, allocate buffers
        t = time.perf_counter()
        total = sum(pool.map(decode, range(len(frames))))
        seconds = time.perf_counter() - t
    report(seconds, total, None, chunks=len(frames))


main()
