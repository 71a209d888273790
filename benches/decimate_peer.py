"""Benchmark peer: tsdownsample's MinMaxDownsampler on the same .npy files npyscope's bench_decimate decimated,
to the same number of bins (2 indices per bin), one thread and all cores (parallel=True); times the downsample
call only (arrays via np.load(mmap_mode='r') then np.asarray, page cache warmed by an untimed call).

usage: python3 decimate_peer.py --ours FILE [--width 2000]
FILE is bench_decimate's output (its `FILE` and `RESULT` lines). Prints the peer's detail lines, then
`NAME: ours X GB/s, peer Y GB/s, ratio R` (R > 1: npyscope is better), then `NAME: ours X UNIT` for the figures
without an external peer (pyramid build and views, aligned views, build_many).
"""
import argparse
import statistics
import time

import numpy as np
from tsdownsample import MinMaxDownsampler

REPEAT = 5


def peer_gbps(path, width, parallel):
    y = np.asarray(np.load(path, mmap_mode="r"))
    ds = MinMaxDownsampler()
    n_out = 2 * width  # MinMax returns the argmin and argmax of each bin
    idx = ds.downsample(y, n_out=n_out, parallel=parallel)  # warm-up (page cache, thread pool)
    assert len(idx) <= n_out, len(idx)
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        ds.downsample(y, n_out=n_out, parallel=parallel)
        times.append(time.perf_counter() - start)
    return y.nbytes / statistics.median(times) / 1e9, len(y), y.dtype


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ours", required=True)
    ap.add_argument("--width", type=int, default=2000)
    args = ap.parse_args()
    files, ours, units = {}, {}, {}
    with open(args.ours) as f:
        for line in f:
            parts = line.split()
            if parts[:1] == ["FILE"]:
                files[parts[1]] = parts[2]
            elif parts[:1] == ["RESULT"]:
                ours[parts[1]] = float(parts[2])
                units[parts[1]] = parts[3] if len(parts) > 3 else ""
    results = []
    for kind in ("f32", "i16"):
        for threads, parallel in (("1t", False), ("mt", True)):
            gbps, n, dtype = peer_gbps(files[kind], args.width, parallel)
            print(f"tsdownsample MinMaxDownsampler ({'parallel' if parallel else 'one thread'}): "
                  f"{n} {dtype} samples to {args.width} bins: {gbps:.2f} GB/s")
            name = f"decimate_{kind}_{threads}"
            results.append((name, ours[name], gbps))
    for name, o, p in results:
        print(f"{name}: ours {o:.2f} GB/s, peer {p:.2f} GB/s, ratio {o / p:.2f}")
    # Figures without an external peer (pyramid views, build_many): ours only; where the same run measured our
    # own slower way of doing it (exact-rule views, the per-lane build loop), that is set beside it.
    paired = {name for name, _, _ in results}
    beside = {
        "view_aligned_mean": ("view_1t", "exact-rule view"),
        "view_aligned_strided_median": ("view_strided_median", "exact-rule view"),
        "build_many": ("build_loop_extrapolated", "Pyramid::build per lane, extrapolated"),
    }
    for name, o in ours.items():
        if name in paired:
            continue
        unit = units.get(name, "")
        if name in beside and beside[name][0] in ours:
            other, label = beside[name]
            p = ours[other]
            ratio = p / o if unit == "us" else o / p
            print(f"{name}: ours {o:.2f} {unit}, {label} {p:.2f} {unit}, ratio {ratio:.2f}")
        else:
            print(f"{name}: ours {o:.2f} {unit}")


if __name__ == "__main__":
    main()
