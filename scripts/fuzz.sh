#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang in build-fuzz, writes their seed corpora
# with make_corpus, and runs each target for a bounded time on a fresh copy of its corpus in
# build-fuzz/corpus/<target>. Fails on any crash, sanitizer report, leak or timeout; a crashing
# input is kept as build-fuzz/artifacts/<target>-crash-*. Prints the executions per target.
#   usage: scripts/fuzz.sh [SECONDS]       seconds per target (default 20)
#   reproduce: build-fuzz/bin/<target> build-fuzz/artifacts/<target>-crash-...
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
build_dir=build-fuzz
targets=(frame_decoder_fuzz server_handshake_fuzz client_handshake_fuzz e2e_envelope_fuzz)

if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz: clang++ not found (scripts/setup.sh installs clang and libclang-rt-14-dev)" >&2
  exit 1
fi

echo "== fuzz: build ($build_dir, clang, libFuzzer + ASan + UBSan)"
if [ ! -f "$build_dir/build.ninja" ]; then
  # RelWithDebInfo without -DNDEBUG: optimised, but the asserts stay on.
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1" \
    -DSECURECHAT_FUZZ=ON -DSECURECHAT_TESTS=OFF -DSECURECHAT_WERROR=ON \
    $(command -v ccache >/dev/null 2>&1 && echo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake --build "$build_dir" --target fuzz_targets

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

rm -rf "$build_dir/seeds"
"$build_dir/bin/make_corpus" "$build_dir/seeds"
# e2e_envelope_fuzz starts from the envelopes and certificates of the test vectors.
/usr/bin/python3 tools/e2e_fuzz_seeds.py "$build_dir/seeds/e2e_envelope_fuzz" tests/vectors
mkdir -p "$build_dir/artifacts" "$build_dir/logs"

failed=()
summary=()
for target in "${targets[@]}"; do
  corpus="$build_dir/corpus/$target"
  rm -rf "$corpus"
  mkdir -p "$corpus"
  cp -R "$build_dir/seeds/$target/." "$corpus/"
  args=(-max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$build_dir/artifacts/$target-")
  if [ "$target" = frame_decoder_fuzz ]; then
    args+=(-dict=tests/fuzz/protocol.dict)
  fi
  log="$build_dir/logs/$target.log"
  echo "== fuzz: $target for ${seconds} s ($(ls "$corpus" | wc -l) seeds)"
  status=0
  "$build_dir/bin/$target" "${args[@]}" "$corpus" >"$log" 2>&1 || status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 || true)
  if [ "$status" -ne 0 ]; then
    echo "fuzz: $target FAILED (exit $status); the end of $log:" >&2
    tail -n 60 "$log" >&2
    failed+=("$target")
    summary+=("$(printf '%-24s FAILED (see %s)' "$target" "$log")")
  else
    summary+=("$(printf '%-24s %10s executions  %6s exec/s  %s  corpus %s' "$target" \
      "${runs:-?}" "${rate:-?}" "${cov:-}" "$(ls "$corpus" | wc -l)")")
  fi
done

echo "== fuzz: results (${seconds} s per target)"
printf '  %s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]} (crashing inputs in $build_dir/artifacts/)" >&2
  exit 1
fi
