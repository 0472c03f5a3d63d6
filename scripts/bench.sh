#!/usr/bin/env bash
# The benchmarks of issue 14 and the peers beside them, in one run on this machine, then the
# generated part of docs/PERFORMANCE.md (tools/bench_report.py). Builds the same RelWithDebInfo
# tree (same flags) as scripts/test.sh, so ccache shares its objects. Raw results go to
# bench-results/.
#   SECURECHAT_BENCH_BACKLOG=N      stored messages delivered at login (default 10000)
#   SECURECHAT_BENCH_REPETITIONS=N  repetitions of the Google Benchmark runs (default 3)
#   SECURECHAT_BENCH_HANDSHAKES=N   handshakes per run of `bench handshake` (default 2000)
#   SECURECHAT_BENCH_IDLE="N…"      sessions of `bench idle` (default: 1000 and the most the
#                                   descriptor limit allows, at most 10000)
#   SECURECHAT_ANCHORS=DIR          the peers' scripts (default ../shared/anchors; 0 skips them)
#   SECURECHAT_BENCH_REPORT=0       leave docs/PERFORMANCE.md as it is
set -Eeuo pipefail
cd "$(dirname "$0")/.."
root=$PWD

scripts/setup.sh bench
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=1
cache=()
if command -v ccache >/dev/null 2>&1; then
  cache=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
scripts/build.sh build "${cache[@]}" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
  -DSECURECHAT_BENCH=ON

out=bench-results
rm -rf "$out" && mkdir -p "$out"
bin=build/bin
reps=${SECURECHAT_BENCH_REPETITIONS:-3}
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
run() {  # run CMD… : prints it, keeps it for the report (a file: pipelines run it in a subshell)
  echo "+ $*" >&2
  echo "$*" >> "$out/commands.txt"
  "$@"
}

echo "== micro-benchmarks (bench/micro_*.cpp)"
run "$bin/securechat_bench_micro" --benchmark_repetitions="$reps" \
  --benchmark_report_aggregates_only=true \
  --benchmark_out="$out/micro.json" --benchmark_out_format=json

echo "== delivery of a stored backlog at login (issue 12)"
run "$bin/securechat_bench_delivery" --backlog="${SECURECHAT_BENCH_BACKLOG:-10000}" \
  --benchmark_repetitions="$reps" \
  --benchmark_out="$out/delivery.json" --benchmark_out_format=json

echo "== handshakes (securechat bench handshake)"
count=${SECURECHAT_BENCH_HANDSHAKES:-2000}
run "$bin/securechat" bench handshake --count "$count" --concurrency 1 --concurrency 2 \
  --key ed25519 --key rsa-2048 --group x25519 --json | tee "$out/handshake.jsonl"
run "$bin/securechat" bench handshake --count $((count / 10)) --concurrency 1 \
  --key ed25519 --group ffdhe3072 --json | tee -a "$out/handshake.jsonl"

echo "== idle sessions (securechat bench idle)"
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ]; then hard=1000000; fi
most=$(( (hard - 256) / 2 - 16 ))   # bench idle's own sum: 2 descriptors per session, and spares
most=$(( most > 10000 ? 10000 : most ))
idle=${SECURECHAT_BENCH_IDLE:-"1000 $most"}
idle_args=()
for n in $idle; do idle_args+=(--sessions "$n"); done
run "$bin/securechat" bench idle "${idle_args[@]}" --json | tee "$out/idle.jsonl"

anchors=${SECURECHAT_ANCHORS:-../shared/anchors}
if [ "$anchors" != 0 ] && [ -d "$anchors" ]; then
  # The peers' scripts write beside themselves: run a copy.
  copy=$(mktemp -d /tmp/securechat-anchors-XXXXXX)
  trap 'rm -rf "$copy"' EXIT
  cp -r "$anchors"/. "$copy"/
  echo "== peers: openssl s_server with mutual TLS 1.3 ($anchors/tls)"
  run "$copy/tls/run.sh" | tee "$out/anchor-tls.txt"
  echo "== peers: the crypto floor of our handshake ($anchors/floor)"
  run "$copy/floor/run.sh" | tee "$out/anchor-floor.txt"
  echo "== peers: mosquitto with mutual TLS ($anchors/mqtt), idle connections as many as ours"
  run env IDLE_CONNS="${idle##* }" "$copy/mqtt/run.sh" | tee "$out/anchor-mqtt.txt"
  cp "$copy"/mqtt/results/latest-quick.txt "$out/anchor-mqtt-raw.txt" 2>/dev/null || true
  cp "$copy"/tls/results/latest-quick.txt "$out/anchor-tls-raw.txt" 2>/dev/null || true
else
  echo "== peers: SKIPPED (SECURECHAT_ANCHORS=$anchors is not a directory)"
fi

echo "$started" > "$out/started.txt"
if [ "${SECURECHAT_BENCH_REPORT:-1}" != 0 ]; then
  python3 tools/bench_report.py --results "$out" --doc docs/PERFORMANCE.md
  echo "== docs/PERFORMANCE.md: the generated section rewritten from $out/"
fi
echo "== results in $root/$out/"
