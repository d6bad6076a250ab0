"""The dask side of bench/compute.ts: per-variant sum over axes (1, 2) of the demo genotypes,
dask.array over zarr-python, threaded scheduler with N workers. Prints JSON."""
import json, resource, sys, time
import dask, dask.array as da

path, component, workers = sys.argv[1], sys.argv[2], int(sys.argv[3])
x = da.from_zarr(path, component=component)
x[:x.chunks[0][0] * workers].sum(axis=(1, 2)).compute(scheduler="threads", num_workers=workers)  # warm-up: first N rows of chunks
passes, sums = [], []
for _ in range(2):  # two full passes, as the zarrflow side
    t = time.perf_counter()
    r = x.sum(axis=(1, 2)).compute(scheduler="threads", num_workers=workers)
    passes.append(time.perf_counter() - t)
    sums.append(str(int(r.sum())))
print(json.dumps({"passes": passes, "checksums": sums, "maxRssKiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
