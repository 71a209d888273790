#!/usr/bin/env bash
# Runs the benchmarks (all, or one by NAME) and prints, after any detail, one line per
# comparison: `NAME: ours X UNIT, peer Y UNIT, ratio R` (R > 1 means npyscope is better).
# Data is generated under $NPYSCOPE_BENCH_DIR (default: a folder in /tmp), never in the repo.
#
#   benches/run.sh            # everything
#   benches/run.sh ls_local   # one comparison: ls_local, ls_s3
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:-}"
work="${NPYSCOPE_BENCH_DIR:-/tmp/npyscope-bench}"
mkdir -p "$work"

python3 -c "import numpy" 2>/dev/null || python3 -m pip install --quiet numpy
cargo build --release --locked --quiet --bin npyscope --example s3_test_server
bin="$PWD/target/release/npyscope"
server="$PWD/target/release/examples/s3_test_server"

case "$name" in
  ""|ls_local|ls_s3)
    python3 benches/ls_headers.py --npyscope "$bin" --server "$server" --work "$work" ${name:+--only "$name"} ;;
  *)
    echo "unknown benchmark \"$name\" (known: ls_local, ls_s3)" >&2; exit 2 ;;
esac
