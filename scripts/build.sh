#!/usr/bin/env bash
# Configures (once) and builds incrementally. Usage: scripts/build.sh [BUILD_DIR] [cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
shift || true
if [ ! -f "$build_dir/build.ninja" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSECURECHAT_WERROR=ON "$@"
elif [ $# -gt 0 ]; then
  # Options given again apply to the existing tree too (e.g. SECURECHAT_BENCH=ON).
  cmake -B "$build_dir" "$@" >/dev/null
fi
cmake --build "$build_dir"
