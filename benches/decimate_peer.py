"""Benchmark peer: tsdownsample's MinMaxDownsampler on the same .npy files npyscope's bench_decimate decimated,
to the same number of bins (2 indices per bin), one thread and all cores (parallel=True); times the downsample
call only (arrays via np.load(mmap_mode='r') then np.asarray, page cache warmed by an untimed call).

usage: python3 decimate_peer.py --ours FILE [--width 2000] [--level NAME=FILE ...] [--tag SUFFIX]
FILE is bench_decimate's output (its `SIMD`, `FILE` and `RESULT` lines). Prints the peer's detail lines, one
detail line per --level run (NPYSCOPE_SIMD=NAME, decimation only) against the same peer figures, the 1-core f32
kernel beside the plain read scan of the same bytes, then `NAME: ours X GB/s, peer Y GB/s, ratio R` (R > 1:
npyscope is better) for the automatic level, then `NAME: ours X UNIT` for the figures without an external peer
(pyramid build and views, aligned views, build_many). --tag appends SUFFIX to every line's NAME (the run.sh
line for a cache-resident 1e6-sample array is `decimate_f32_1t_1e6` and so on).
"""
import argparse
import statistics
import time

import numpy as np
from tsdownsample import MinMaxDownsampler

REPEAT = 5
# Short calls (a cache-resident array takes a fraction of a millisecond) are repeated for about this long.
MIN_TOTAL_S = 0.5


def peer_gbps(path, width, parallel):
    y = np.asarray(np.load(path, mmap_mode="r"))
    ds = MinMaxDownsampler()
    n_out = 2 * width  # MinMax returns the argmin and argmax of each bin
    start = time.perf_counter()
    idx = ds.downsample(y, n_out=n_out, parallel=parallel)  # warm-up (page cache, thread pool)
    once = time.perf_counter() - start
    assert len(idx) <= n_out, len(idx)
    times = []
    for _ in range(max(REPEAT, min(2000, int(MIN_TOTAL_S / max(once, 1e-6))))):
        start = time.perf_counter()
        ds.downsample(y, n_out=n_out, parallel=parallel)
        times.append(time.perf_counter() - start)
    return y.nbytes / statistics.median(times) / 1e9, len(y), y.dtype


def read_ours(path):
    """(files, results, units, SIMD level) from a bench_decimate output file."""
    files, ours, units, level = {}, {}, {}, "?"
    with open(path) as f:
        for line in f:
            parts = line.split()
            if parts[:1] == ["FILE"]:
                files[parts[1]] = parts[2]
            elif parts[:1] == ["SIMD"] and len(parts) > 1:
                level = parts[1]
            elif parts[:1] == ["RESULT"]:
                ours[parts[1]] = float(parts[2])
                units[parts[1]] = parts[3] if len(parts) > 3 else ""
    return files, ours, units, level


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ours", required=True)
    ap.add_argument("--width", type=int, default=2000)
    ap.add_argument("--level", action="append", default=[], metavar="NAME=FILE")
    ap.add_argument("--tag", default="")
    args = ap.parse_args()
    tag = args.tag
    files, ours, units, level = read_ours(args.ours)
    results = []
    for kind in ("f32", "i16"):
        for threads, parallel in (("1t", False), ("mt", True)):
            gbps, n, dtype = peer_gbps(files[kind], args.width, parallel)
            print(f"tsdownsample MinMaxDownsampler ({'parallel' if parallel else 'one thread'}): "
                  f"{n} {dtype} samples to {args.width} bins: {gbps:.2f} GB/s")
            name = f"decimate_{kind}_{threads}"
            results.append((name, ours[name], gbps))
    for spec in args.level:
        lvl, _, path = spec.partition("=")
        _, at, _, used = read_ours(path)
        for name, _, p in results:
            if name in at:
                print(f"{name} [NPYSCOPE_SIMD={lvl}, used {used}]: ours {at[name]:.2f} GB/s, peer {p:.2f} GB/s, "
                      f"ratio {at[name] / p:.2f}")
        if "decimate_f32_1t" in at and "decimate_f32_read_1t" in at:
            r = at["decimate_f32_read_1t"]
            print(f"decimate_f32_1t vs read scan [{used}]: kernel {at['decimate_f32_1t']:.2f} GB/s, "
                  f"read scan {r:.2f} GB/s, ratio {at['decimate_f32_1t'] / r:.2f}")
    if "decimate_f32_read_1t" in ours:
        r = ours["decimate_f32_read_1t"]
        print(f"decimate_f32_1t{tag} vs read scan [{level}]: kernel {ours['decimate_f32_1t']:.2f} GB/s, "
              f"read scan {r:.2f} GB/s, ratio {ours['decimate_f32_1t'] / r:.2f}")
    print(f"SIMD level of the lines below: {level}")
    for name, o, p in results:
        print(f"{name}{tag}: ours {o:.2f} GB/s, peer {p:.2f} GB/s, ratio {o / p:.2f}")
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
            print(f"{name}{tag}: ours {o:.2f} {unit}, {label} {p:.2f} {unit}, ratio {ratio:.2f}")
        else:
            print(f"{name}{tag}: ours {o:.2f} {unit}")


if __name__ == "__main__":
    main()
