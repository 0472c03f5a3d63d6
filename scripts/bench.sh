#!/usr/bin/env bash
# The benchmarks (bench/, Google Benchmark), on the RelWithDebInfo tree `scripts/test.sh` builds
# (same flags, so ccache shares its objects), with SECURECHAT_BENCH=ON. Results print and go to
# bench-results/*.json; docs/PERFORMANCE.md says what each measures and what it printed.
#   SECURECHAT_BENCH_BACKLOG=N      stored messages delivered at login (default 10000)
#   SECURECHAT_BENCH_REPETITIONS=N  repetitions of each benchmark (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=1
cache=()
if command -v ccache >/dev/null 2>&1; then
  cache=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
scripts/build.sh build "${cache[@]}" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
  -DSECURECHAT_BENCH=ON

mkdir -p bench-results
echo "== delivery of a stored backlog at login (issue 12)"
build/bin/securechat_bench_delivery \
  --backlog="${SECURECHAT_BENCH_BACKLOG:-10000}" \
  --benchmark_repetitions="${SECURECHAT_BENCH_REPETITIONS:-3}" \
  --benchmark_out=bench-results/delivery.json --benchmark_out_format=json
echo "== results in bench-results/"
