"""Benchmark: array access, npyscope vs numpy and curl, in the same run.

usage: python3 array_access.py --bench BIN --server BIN --work DIR [--only NAME]
Prints detail lines, then `NAME: ours X UNIT, peer Y UNIT, ratio R` (R > 1: npyscope is better).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
import timeit

import numpy as np

GIB = 1 << 30


def ensure_array(path, n_values, chunk=1 << 26):
    """A float32 .npy of n_values, written in chunks (deterministic), unless it exists."""
    if os.path.exists(path) and os.path.getsize(path) >= n_values * 4:
        return
    rng = np.random.default_rng(0)
    header_shape = (n_values // 64, 64)
    with open(path + ".tmp", "wb") as f:
        np.lib.format.write_array_header_1_0(f, {"descr": "<f4", "fortran_order": False, "shape": header_shape})
        left = n_values
        while left:
            step = min(chunk, left)
            rng.standard_normal(step, dtype=np.float32).tofile(f)
            left -= step
    os.replace(path + ".tmp", path)


def sparse_array(path, n_bytes):
    """A .npy header followed by a hole: a file of n_bytes that uses no disk."""
    with open(path, "wb") as f:
        np.lib.format.write_array_header_1_0(f, {"descr": "<f4", "fortran_order": False, "shape": (n_bytes // 4 // 64, 64)})
        f.truncate(f.tell() + (n_bytes // 4 // 64) * 64 * 4)


def run_json(cmd, env=None):
    out = subprocess.run(cmd, env=env, check=True, stdout=subprocess.PIPE).stdout
    return json.loads(out)


def seconds(times):
    return ", ".join(f"{t:.3f}" for t in times) + " s"


def line(name, ours, peer, unit, higher_is_better):
    ratio = ours / peer if higher_is_better else peer / ours
    print(f"{name}: ours {ours:,.4g} {unit}, peer {peer:,.4g} {unit}, ratio {ratio:.2f}")


def bench_load(args, big):
    ours = run_json([args.bench, "load", big])
    np.load(big)  # warm
    peers = timeit.repeat(lambda: np.load(big), number=1, repeat=3)
    peer = min(peers)
    size = os.path.getsize(big) / GIB
    print(f"load detail: {size:.2f} GiB float32 in the page cache, best of 3 each (all: npyscope ArrayRef::load "
          f"{seconds(ours['all'])}, numpy.load {seconds(peers)})")
    ours = ours["best"]
    line("load_local_1gib", size / ours, size / peer, "GiB/s", True)


def ensure_fortran(path, rows, cols):
    """A Fortran-order float32 (rows, cols) .npy (as DataJoint blobs and MATLAB keep arrays), unless it exists."""
    if os.path.exists(path):
        return
    rng = np.random.default_rng(1)
    a = np.lib.format.open_memmap(path + ".tmp", mode="w+", dtype="<f4", shape=(rows, cols), fortran_order=True)
    for c in range(cols):
        a[:, c] = rng.standard_normal(rows, dtype=np.float32)
    a.flush()
    del a
    os.replace(path + ".tmp", path)


def bench_load_fortran(args):
    path = os.path.join(args.work, "fortran_f32_4194304x32.npy")
    ensure_fortran(path, 4_194_304, 32)
    ours = run_json([args.bench, "load", path])
    as_c = lambda: np.ascontiguousarray(np.load(path))  # noqa: E731
    as_c()  # warm
    peers = timeit.repeat(as_c, number=1, repeat=3)
    peer = min(peers)
    size = os.path.getsize(path) / GIB
    print(f"load_fortran detail: {size:.2f} GiB Fortran-order float32 (4194304, 32) in the page cache, to C order in "
          f"memory, best of 3 each (all: npyscope ArrayRef::load {seconds(ours['all'])}, "
          f"numpy.ascontiguousarray(numpy.load) {seconds(peers)})")
    ours = ours["best"]
    line("load_local_fortran_512mib", size / ours, size / peer, "GiB/s", True)


def bench_mmap(args):
    sizes = {}
    for label, n in (("1 KiB", 1024), ("10 GiB", 10 * GIB)):
        path = os.path.join(args.work, f"sparse-{n}.npy")
        if not os.path.exists(path):
            sparse_array(path, n)
        sizes[label] = (path, run_json([args.bench, "mmap", path])["seconds"])
    big = sizes["10 GiB"][0]
    peer = statistics.median(timeit.repeat(lambda: np.load(big, mmap_mode="r"), number=1, repeat=50))
    ours = sizes["10 GiB"][1]
    print(f"mmap detail: open + map (median of 50): 1 KiB file {sizes['1 KiB'][1] * 1e6:.0f} µs, "
          f"10 GiB file {ours * 1e6:.0f} µs; numpy.load(mmap_mode='r') of the 10 GiB file {peer * 1e6:.0f} µs")
    line("mmap_open_10gib", ours * 1e6, peer * 1e6, "µs", False)


def start_server(args, upload_dir):
    root = tempfile.mkdtemp(prefix="npyscope-s3-", dir=args.work)
    server = subprocess.Popen([args.server, root, "--upload", upload_dir, "--bucket", "bench", "--prefix", "a"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    info = dict(server.stdout.readline().split() for _ in range(3))
    env = dict(os.environ, AWS_ACCESS_KEY_ID=info["access_key"], AWS_SECRET_ACCESS_KEY=info["secret_key"],
               AWS_ENDPOINT_URL=info["endpoint"], AWS_REGION="us-east-1")
    return server, root, info, env


def bench_remote(args, big, window_array):
    upload = tempfile.mkdtemp(prefix="npyscope-up-", dir=args.work)
    os.link(big, os.path.join(upload, "one.npy"))
    os.link(window_array, os.path.join(upload, "two.npy"))
    server, root, info, env = start_server(args, upload)
    try:
        got = run_json([args.bench, "download", "s3://bench/a/one.npy"], env)
        curl = ["curl", "--silent", "--fail", "--output", "/dev/null", "--aws-sigv4", "aws:amz:us-east-1:s3",
                "--header", "x-amz-content-sha256: UNSIGNED-PAYLOAD",
                "--user", f"{info['access_key']}:{info['secret_key']}", f"{info['endpoint']}/bench/a/one.npy"]
        times = []
        for _ in range(3):
            start = time.perf_counter()
            subprocess.run(curl, check=True)
            times.append(time.perf_counter() - start)
        peer = statistics.median(times)
        # The server's own ceiling: the same 8 MiB parts, 8 at once, by curl into /dev/null.
        part = 8 << 20
        with tempfile.NamedTemporaryFile("w", suffix=".curl", dir=args.work, delete=False) as cfg:
            for i, start in enumerate(range(0, got["bytes"], part)):
                if i:
                    cfg.write("next\n")
                end = min(start + part, got["bytes"]) - 1
                cfg.write(f'url = "{info["endpoint"]}/bench/a/one.npy"\noutput = "/dev/null"\nrange = "{start}-{end}"\n'
                          f'aws-sigv4 = "aws:amz:us-east-1:s3"\nheader = "x-amz-content-sha256: UNSIGNED-PAYLOAD"\n'
                          f'user = "{info["access_key"]}:{info["secret_key"]}"\n')
        start = time.perf_counter()
        subprocess.run(["curl", "--silent", "--fail", "--parallel", "--parallel-max", "8", "--config", cfg.name],
                       check=True, stderr=subprocess.DEVNULL)
        ceiling = time.perf_counter() - start
        os.unlink(cfg.name)
        size = got["bytes"] / GIB
        print(f"download detail: {size:.2f} GiB object on the loopback s3s-fs server; npyscope Cache::fetch "
              f"{got['seconds']:.2f} s ({got['peak_in_flight']} ranged requests in flight, written into place, fsynced), "
              f"curl single GET {peer:.2f} s; server ceiling (curl, same 8 parts at once, to /dev/null) {ceiling:.2f} s")
        line("download_s3_1gib", size / got["seconds"], size / peer, "GiB/s", True)

        rows = os.path.getsize(window_array) // (64 * 4)
        a = rows // 2
        w = run_json([args.bench, "window", "s3://bench/a/two.npy", str(a), str(a + 1000)], env)
        print(f"window detail: rows {a}..{a + 1000} of a {w['object_bytes'] / GIB:.2f} GiB remote array: "
              f"{w['transferred']:,} bytes transferred for a {w['window_bytes']:,}-byte window in {w['seconds'] * 1e3:.1f} ms")
        line("window_s3_1000_rows", w["window_bytes"], w["transferred"], "bytes", False)
    finally:
        server.stdin.close()
        server.wait(timeout=60)
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(upload, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench", required=True)
    parser.add_argument("--server", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--only")
    args = parser.parse_args()
    big = os.path.join(args.work, "f32-1gib.npy")
    window_array = os.path.join(args.work, "f32-2gib.npy")
    if args.only in (None, "load_local_1gib", "download_s3_1gib"):
        ensure_array(big, GIB // 4)
    if args.only in (None, "load_local_1gib"):
        bench_load(args, big)
    if args.only in (None, "load_local_fortran_512mib"):
        bench_load_fortran(args)
    if args.only in (None, "mmap_open_10gib"):
        bench_mmap(args)
    if args.only in (None, "download_s3_1gib", "window_s3_1000_rows"):
        ensure_array(big, GIB // 4)
        ensure_array(window_array, 2 * GIB // 4)
        bench_remote(args, big, window_array)


if __name__ == "__main__":
    main()
