"""Python read peers: full read of one array, timed after a small warm-up read.

    /usr/bin/python3 bench/peers/zarr_read.py MODE PATH COMPONENT WORKERS

MODE
  zarr1  zarr-python `z[:]` with c-blosc's internal threads off (one thread)
  zarr   zarr-python `z[:]` as installed (numcodecs lets c-blosc use its own threads
         when called from the main thread)
  dask   `da.from_zarr(PATH, component=COMPONENT).compute(scheduler="threads",
         num_workers=WORKERS)`; in dask's worker threads c-blosc stays single-threaded
  h5py   h5py `ds[:]` of dataset COMPONENT in the HDF5 file PATH
The warm-up reads the first chunk row the same way (imports, thread pools, file handles).
"""
import sys
import time

from peer_common import checksum, report


def reader(mode: str, path: str, component: str, workers: int):
    """A function reading rows [0, stop) (None = all) the way MODE does, and the chunk length."""
    if mode in ("zarr", "zarr1"):
        import zarr
        from numcodecs import blosc
        if mode == "zarr1":
            blosc.use_threads = False
        z = zarr.open_array(path, mode="r", path=component)
        return (lambda stop: z[:] if stop is None else z[:stop]), z.chunks[0]
    if mode == "dask":
        import dask.array as da
        def read(stop):
            a = da.from_zarr(path, component=component)
            return (a if stop is None else a[:stop]).compute(scheduler="threads", num_workers=workers)
        import zarr
        return read, zarr.open_array(path, mode="r", path=component).chunks[0]
    if mode == "h5py":
        import h5py
        ds = h5py.File(path, "r")[component]
        return (lambda stop: ds[:] if stop is None else ds[:stop]), ds.chunks[0]
    raise SystemExit(f"unknown mode {mode}")


def main() -> None:
    mode, path, component, workers = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    read, rows = reader(mode, path, component, workers)
    read(rows)
    t = time.perf_counter()
    a = read(None)
    seconds = time.perf_counter() - t
    report(seconds, a.nbytes, checksum(a), shape=list(a.shape))


main()
