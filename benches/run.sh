#!/usr/bin/env bash
# Runs the benchmarks (all, or one by NAME) and prints, after any detail, one line per
# comparison: `NAME: ours X UNIT, peer Y UNIT, ratio R` (R > 1 means npyscope is better).
# Data is generated under $NPYSCOPE_BENCH_DIR (default: a folder in /tmp), never in the repo.
#
#   benches/run.sh            # everything
#   benches/run.sh ls_local   # one comparison: ls_local, ls_s3, load_local_1gib, mmap_open_10gib,
#                             # download_s3_1gib, window_s3_1000_rows
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:-}"
work="${NPYSCOPE_BENCH_DIR:-/tmp/npyscope-bench}"
mkdir -p "$work"

python3 -c "import numpy" 2>/dev/null || python3 -m pip install --quiet numpy
cargo build --release --locked --quiet --bin npyscope --example s3_test_server --example bench_access
bin="$PWD/target/release/npyscope"
server="$PWD/target/release/examples/s3_test_server"
access="$PWD/target/release/examples/bench_access"

case "$name" in
  ls_local|ls_s3)
    python3 benches/ls_headers.py --npyscope "$bin" --server "$server" --work "$work" --only "$name" ;;
  load_local_1gib|mmap_open_10gib|download_s3_1gib|window_s3_1000_rows)
    python3 benches/array_access.py --bench "$access" --server "$server" --work "$work" --only "$name" ;;
  "")
    python3 benches/ls_headers.py --npyscope "$bin" --server "$server" --work "$work"
    python3 benches/array_access.py --bench "$access" --server "$server" --work "$work" ;;
  *)
    echo "unknown benchmark \"$name\" (known: ls_local, ls_s3, load_local_1gib, mmap_open_10gib, download_s3_1gib, window_s3_1000_rows)" >&2
    exit 2 ;;
esac
