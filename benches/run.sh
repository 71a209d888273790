#!/usr/bin/env bash
# Runs the benchmarks (all, or one by NAME) and prints, after any detail, one line per
# comparison: `NAME: ours X UNIT, peer Y UNIT, ratio R` (R > 1 means npyscope is better).
# Data is generated under $NPYSCOPE_BENCH_DIR (default: a folder in /tmp), never in the repo.
#
#   benches/run.sh            # everything
#   benches/run.sh ls_local   # one comparison: ls_local, ls_local_scaling (taskset 1..nproc cores), ls_s3, load_local_1gib,
#                             # load_local_fortran_512mib, mmap_open_10gib,
#                             # download_s3_1gib, window_s3_1000_rows, decimate, ui, cold_start,
#                             # db (db rows vs DataJoint; the window's first page and scrolling of a
#                             # 100,000-row table; listing from the database vs the store),
#                             # blob (blob_decode_256mib, ls_hash_10000: DataJoint blobs)
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:-}"
work="${NPYSCOPE_BENCH_DIR:-/tmp/npyscope-bench}"
mkdir -p "$work"

python3 -c "import numpy" 2>/dev/null || python3 -m pip install --quiet numpy
cargo build --release --locked --quiet --bin npyscope --example s3_test_server --example bench_access --example bench_decimate --example bench_ui --example bench_blob
target="${CARGO_TARGET_DIR:-$PWD/target}"
bin="$target/release/npyscope"
server="$target/release/examples/s3_test_server"
access="$target/release/examples/bench_access"
decimate="$target/release/examples/bench_decimate"
blob="$target/release/examples/bench_blob"

# Min/max decimation and the level-of-detail pyramid vs tsdownsample, then (ours only) pyramid views (exact rule
# and block-aligned, contiguous and strided) and build_many over a (7e5, 384) float32 recording (1.1 GB) vs the
# per-lane build loop (timed on --loop-channels lanes, extrapolated); DECIMATE_ARGS can shrink the run
# (e.g. "--pyramid-samples 2e8 --rows 2e5"). The decimation alone is then rerun once per instruction-set level
# this CPU has (NPYSCOPE_SIMD=scalar, sse2, avx2, avx512) for per-level detail lines; the summary lines are the
# automatic level's. Last, the same decimation of a 1e6-sample array (4 MB: it stays in the CPU's caches, as a
# zoomed-in plot's window does), lines tagged `_1e6`: at 1e8 samples both sides wait on memory, here on their loops.
run_decimate() {
  python3 -c "import tsdownsample" 2>/dev/null || python3 -m pip install --quiet tsdownsample
  "$decimate" --dir "$work" ${DECIMATE_ARGS:-} > "$work/decimate_ours.txt"
  grep -v -E '^(RESULT|FILE) ' "$work/decimate_ours.txt"
  local levels=() lvl
  for lvl in $("$decimate" --simd-levels); do
    NPYSCOPE_SIMD="$lvl" "$decimate" --dir "$work" ${DECIMATE_ARGS:-} --only decimate > "$work/decimate_ours_$lvl.txt"
    levels+=(--level "$lvl=$work/decimate_ours_$lvl.txt")
  done
  python3 benches/decimate_peer.py --ours "$work/decimate_ours.txt" "${levels[@]}"
  "$decimate" --dir "$work" --samples 1e6 --reps 301 --only decimate > "$work/decimate_ours_1e6.txt"
  grep -v -E '^(RESULT|FILE) ' "$work/decimate_ours_1e6.txt"
  python3 benches/decimate_peer.py --ours "$work/decimate_ours_1e6.txt" --tag _1e6
}

# Frame times of the window, headless (egui_kittest): 300 frames moving down a 100,000-row listing,
# then 300 frames panning memory-mapped arrays (1e8 samples; 384 channels with 32 and with all
# shown; 1e9 samples, 4 GB) with the process's memory after each.
run_ui() {
  local ui="$target/release/examples/bench_ui"
  "$ui" listing "$work"
  python3 - "$work" <<'PY'
import sys, numpy as np
from pathlib import Path
work = Path(sys.argv[1])
rng = np.random.default_rng(7)
for name, shape in [("decimate_f32_100000000.npy", (100_000_000,)),
                    ("multichannel_f32_700000x384.npy", (700_000, 384)),
                    ("pyramid_f32_1000000000.npy", (1_000_000_000,))]:
    path = work / name
    if path.exists():
        continue
    a = np.lib.format.open_memmap(path, mode="w+", dtype="<f4", shape=shape)
    step = 10_000_000 // (shape[1] if len(shape) > 1 else 1)
    for i in range(0, shape[0], step):
        n = min(step, shape[0] - i)
        a[i:i + n] = rng.standard_normal((n,) + shape[1:], dtype=np.float32)
    a.flush()
PY
  "$ui" plot "$work/decimate_f32_100000000.npy"
  "$ui" plot "$work/multichannel_f32_700000x384.npy"
  "$ui" plot "$work/multichannel_f32_700000x384.npy" 0-383
  "$ui" plot "$work/pyramid_f32_1000000000.npy"
}

# Launch to first frame of the release binary under Xvfb.
run_cold_start() {
  python3 benches/cold_start.py --bin "$bin"
}

case "$name" in
  ls_local|ls_s3|ls_local_scaling)
    python3 benches/ls_headers.py --npyscope "$bin" --server "$server" --work "$work" --only "$name" ;;
  load_local_1gib|load_local_fortran_512mib|mmap_open_10gib|download_s3_1gib|window_s3_1000_rows)
    python3 benches/array_access.py --bench "$access" --server "$server" --work "$work" --only "$name" ;;
  decimate)
    run_decimate ;;
  ui)
    run_ui ;;
  cold_start)
    run_cold_start ;;
  db|db_rows)
    python3 benches/db_rows.py --npyscope "$bin" --server "$server" --work "$work" --ui "$target/release/examples/bench_ui" ;;
  blob|blob_decode_256mib|ls_hash_10000)
    python3 -c "import datajoint" 2>/dev/null || python3 -m pip install --quiet datajoint
    only=""; [ "$name" = blob ] || only="--only $name"
    python3 benches/blobs.py --npyscope "$bin" --bench "$blob" --work "$work" $only ;;
  "")
    python3 benches/ls_headers.py --npyscope "$bin" --server "$server" --work "$work"
    python3 benches/array_access.py --bench "$access" --server "$server" --work "$work"
    run_decimate
    run_ui
    run_cold_start
    python3 benches/db_rows.py --npyscope "$bin" --server "$server" --work "$work" --ui "$target/release/examples/bench_ui"
    python3 benches/blobs.py --npyscope "$bin" --bench "$blob" --work "$work" ;;
  *)
    echo "unknown benchmark \"$name\" (known: ls_local, ls_local_scaling, ls_s3, load_local_1gib, load_local_fortran_512mib, mmap_open_10gib, download_s3_1gib, window_s3_1000_rows, decimate, ui, cold_start, db, blob)" >&2
    exit 2 ;;
esac
