"""Benchmarks of DataJoint blobs, the peer in the same run:

blob_decode_256mib: decoding a 256 MiB zlib-compressed float64 blob (packed by `datajoint.blob.pack`) to an array,
  npyscope (examples/bench_blob: `blob_array`, in memory, median of 3) vs `datajoint.blob.unpack` of the same bytes
  (in-process, median of 3).
ls_hash_10000: header-only listing (`npyscope ls -r --json`, whole process, warm page cache, median of 5) of a
  `_hash` folder of 10,000 blobs (DataJoint-packed float32 arrays, half of them compressed) vs the same count of
  `.npy` files of the same arrays in DataJoint's schema layout.

usage: python3 blobs.py --npyscope BIN --bench BIN --work DIR [--only blob_decode_256mib|ls_hash_10000]
Prints detail lines, then `NAME: ours X UNIT, peer Y UNIT, ratio R` (R > 1: npyscope is better).
"""
import argparse
import os
import statistics
import subprocess
import time
import warnings

import numpy as np

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import datajoint.blob as djb

N_FILES = 10_000


def decode(args):
    path = os.path.join(args.work, "blob_f8_256mib.blob")
    if not os.path.exists(path):
        rng = np.random.default_rng(11)
        n = (256 << 20) // 8
        # A slowly varying signal kept to 0.01: compressible as recordings are (zlib ~ 2.5x here).
        a = np.round(np.cumsum(rng.standard_normal(n)), 2)
        with open(path + ".tmp", "wb") as f:
            f.write(djb.pack(a))
        os.rename(path + ".tmp", path)
    data = open(path, "rb").read()
    assert data.startswith(b"ZL123\0"), "the blob is compressed"
    out = subprocess.run([args.bench, path, "3"], check=True, stdout=subprocess.PIPE, text=True).stdout
    fields = out.split()
    ours_s, nbytes = float(fields[fields.index("seconds") + 1]), int(fields[fields.index("bytes") + 1])
    times = []
    for _ in range(3):
        start = time.perf_counter()
        a = djb.unpack(data)
        times.append(time.perf_counter() - start)
        assert a.nbytes == nbytes
        del a
    peer_s = statistics.median(times)
    gib = nbytes / 2**30
    print(f"blob_decode_256mib detail: {len(data) / 2**20:.1f} MiB compressed -> {nbytes / 2**20:.0f} MiB; "
          f"ours {ours_s:.3f} s, datajoint.blob.unpack {peer_s:.3f} s")
    print(f"blob_decode_256mib: ours {gib / ours_s:.2f} GiB/s, peer {gib / peer_s:.2f} GiB/s, ratio {peer_s / ours_s:.2f}")


def listing(args):
    root = os.path.join(args.work, "hash_vs_npy")
    blobs = os.path.join(root, "blobs")
    npys = os.path.join(root, "npys")
    if not os.path.exists(os.path.join(root, "done")):
        rng = np.random.default_rng(3)
        os.makedirs(os.path.join(blobs, "_hash", "bench"), exist_ok=True)
        for i in range(N_FILES):
            rows = int(rng.integers(10, 200))
            # Half compressible (zeros: zlib), half noise (kept uncompressed by DataJoint).
            a = np.zeros((rows, 4), np.float32) if i % 2 else rng.standard_normal((rows, 4)).astype(np.float32)
            with open(os.path.join(blobs, "_hash", "bench", f"h{i:026d}"), "wb") as f:
                f.write(djb.pack(a))
            folder = os.path.join(npys, "_schema", "bench", "trace", f"trace_id={i}")
            os.makedirs(folder, exist_ok=True)
            np.save(os.path.join(folder, "signal_AbCdEfGh.npy"), a)
        open(os.path.join(root, "done"), "w").close()

    def run(folder):
        cmd = [args.npyscope, "ls", "-r", "--json", folder]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)  # warm the page cache
        times = []
        for _ in range(5):
            start = time.perf_counter()
            out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE).stdout
            times.append(time.perf_counter() - start)
            assert out.count(b"\n") == N_FILES and b'"error":null' in out
        return statistics.median(times)

    blob_s, npy_s = run(blobs), run(npys)
    print(f"ls_hash_10000 detail: {N_FILES} blobs {blob_s:.3f} s, {N_FILES} .npy files {npy_s:.3f} s")
    print(f"ls_hash_10000: ours {N_FILES / blob_s:,.0f} headers/s, peer {N_FILES / npy_s:,.0f} headers/s "
          f"(the .npy scan), ratio {npy_s / blob_s:.2f}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--npyscope", required=True)
    p.add_argument("--bench", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--only")
    args = p.parse_args()
    os.makedirs(args.work, exist_ok=True)
    if args.only in (None, "blob_decode_256mib"):
        decode(args)
    if args.only in (None, "ls_hash_10000"):
        listing(args)


if __name__ == "__main__":
    main()
