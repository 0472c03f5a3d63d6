#!/usr/bin/env bash
# The quick offline check while you work: builds build/ (RelWithDebInfo, -Werror, as
# scripts/build.sh does) and runs the unit tests only: no MariaDB, no sanitizers, no fuzzing, no
# integration tests (those are in scripts/test.sh). Extra arguments go to ctest (e.g. -R Verify).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh build
# Nothing labelled unit needs MariaDB; if a MariaDB case does slip into the label, it skips (and
# says so) instead of failing on a machine without the server.
export SECURECHAT_SKIP_MARIADB=1
ctest --test-dir build -L unit -LE mariadb --output-on-failure -j "$(nproc)" "$@"
