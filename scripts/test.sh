#!/usr/bin/env bash
# The test command (README, CI): installs what is missing, checks formatting, builds with
# warnings as errors, runs every test, then runs them again under AddressSanitizer and
# UndefinedBehaviorSanitizer, then the concurrency suites under ThreadSanitizer
# (scripts/tsan.sh), and, when clang is present, runs each libFuzzer target for a bounded time
# (scripts/fuzz.sh). Idempotent; rebuilds incrementally.
#   SECURECHAT_SKIP_SANITIZERS=1  skip the sanitizer passes (it says so)
#   SECURECHAT_SKIP_MARIADB=1     skip the MariaDB variants of the store tests (they say so)
#   SECURECHAT_FUZZ_SECONDS=N     seconds per fuzz target (default 20; needs clang, else skipped)
#   SECURECHAT_SKIP_PACKAGE=1     skip building the Debian package and installing it into a fresh
#                                 Debian 12 root (scripts/package.sh, scripts/package-test.sh;
#                                 they need root and the network; it says so)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
start=$(date +%s)

scripts/setup.sh
scripts/check-format.sh

# Compiling is most of this script's time. ccache (installed by setup.sh) keeps the objects of
# earlier runs, also of other clones of the repository (paths are taken relative to it), so a
# rerun rebuilds only what changed; a new machine compiles everything once. Line tables only
# (-g1): stack traces keep file and line, and the builds are a fifth faster than with -g.
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=1
cache=()
if command -v ccache >/dev/null 2>&1; then
  cache=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

echo "== build (RelWithDebInfo, -Werror)"
# With the benchmarks: their smoke test (a small backlog, checked, never timed) keeps them working.
scripts/build.sh build "${cache[@]}" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
  -DSECURECHAT_BENCH=ON
# The store tests run against a real MariaDB: a private one, stopped again however we exit.
echo "== private MariaDB for the store tests"
trap 'scripts/mariadb-test-server.sh stop >/dev/null 2>&1 || true' EXIT
scripts/mariadb-test-server.sh start
eval "$(scripts/mariadb-test-server.sh env)"

echo "== tests"
ctest --test-dir build --output-on-failure -j "$jobs"

if [ "${SECURECHAT_SKIP_PACKAGE:-0}" = 1 ]; then
  echo "== Debian package: SKIPPED (SECURECHAT_SKIP_PACKAGE=1)"
elif [ "$(id -u)" -ne 0 ]; then
  echo "== Debian package: SKIPPED (installing it into a fresh root needs root)"
else
  echo "== Debian package: built, checked by lintian, installed into a fresh Debian 12 root and run"
  scripts/package.sh
  scripts/package-test.sh
fi

if [ "${SECURECHAT_SKIP_SANITIZERS:-0}" = 1 ]; then
  echo "== sanitizers: SKIPPED (SECURECHAT_SKIP_SANITIZERS=1)"
else
  echo "== build (ASan + UBSan)"
  scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DSECURECHAT_SANITIZE=ON "${cache[@]}" \
    -DCMAKE_CXX_FLAGS_DEBUG="-g1"
  echo "== tests under ASan + UBSan"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j "$jobs"
  echo "== the concurrency suites under ThreadSanitizer (scripts/tsan.sh)"
  scripts/tsan.sh
fi

if command -v clang++ >/dev/null 2>&1; then
  echo "== fuzzing (libFuzzer, ${SECURECHAT_FUZZ_SECONDS:-20} s per target)"
  scripts/fuzz.sh "${SECURECHAT_FUZZ_SECONDS:-20}"
else
  echo "== fuzzing: SKIPPED (clang++ is absent; scripts/setup.sh installs clang)"
fi

echo "== all tests passed in $(( $(date +%s) - start )) s"
