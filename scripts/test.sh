#!/usr/bin/env bash
# The test command (README, CI): installs what is missing, checks formatting, builds with
# warnings as errors, runs every test, then runs them again under AddressSanitizer and
# UndefinedBehaviorSanitizer. Idempotent; rebuilds incrementally.
#   SECURECHAT_SKIP_SANITIZERS=1  skip the sanitizer pass (it says so)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
start=$(date +%s)

scripts/setup.sh
scripts/check-format.sh

echo "== build (RelWithDebInfo, -Werror)"
scripts/build.sh build
echo "== tests"
ctest --test-dir build --output-on-failure -j "$jobs"

if [ "${SECURECHAT_SKIP_SANITIZERS:-0}" = 1 ]; then
  echo "== sanitizers: SKIPPED (SECURECHAT_SKIP_SANITIZERS=1)"
else
  echo "== build (ASan + UBSan)"
  scripts/build.sh build-asan -DCMAKE_BUILD_TYPE=Debug -DSECURECHAT_SANITIZE=ON
  echo "== tests under ASan + UBSan"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j "$jobs"
fi

echo "== all tests passed in $(( $(date +%s) - start )) s"
