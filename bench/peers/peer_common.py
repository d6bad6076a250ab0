"""Shared helpers of the Python benchmark peers (bench/peers/*.py).

Every peer prints exactly one JSON line on stdout, the measurement the runner
(bench/run.ts) parses: seconds of the timed section, decoded bytes, peak RSS of
this process, a cheap checksum of the data (so all sides prove they read the same
values) and the versions used. Nothing is timed but the section between
`time.perf_counter()` calls in the peer itself.
"""
import json
import resource
import sys

import numpy as np

# Elements sampled by the checksum: every CHECK_STRIDE-th element of the flat array
# (sum as int64), the same rule as bench/runtime/checksum.ts and the .mjs peers.
CHECK_STRIDE = 1009


def checksum(a) -> int:
    """Sum of every CHECK_STRIDE-th element of `a` in C order (cheap, order-sensitive enough)."""
    flat = np.ascontiguousarray(a).reshape(-1)
    return int(flat[::CHECK_STRIDE].astype(np.int64).sum())


def versions() -> dict:
    """Versions of the Python stack, for the machine line of the report."""
    out = {"python": sys.version.split()[0], "numpy": np.__version__}
    for name in ("zarr", "numcodecs", "dask", "h5py"):
        try:
            out[name] = __import__(name).__version__
        except Exception:  # a missing module is reported as missing, not fatal
            out[name] = None
    return out


def report(seconds: float, nbytes: int, check=None, **extra) -> None:
    """Print the one result line (ru_maxrss is KiB on Linux)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "bytes": int(nbytes), "maxRssKiB": int(rss), "checksum": check, **extra}))
    sys.stdout.flush()


def blosc(cname: str, clevel: int):
    """numcodecs Blosc without shuffle (the layouts of the genotype demo data)."""
    from numcodecs import Blosc
    return Blosc(cname=cname, clevel=clevel, shuffle=Blosc.NOSHUFFLE)
