#!/usr/bin/env bash
# The concurrency suites under ThreadSanitizer (issue 13 item 10): the server's (its io threads,
# worker pool, registry and router, many clients at once over real sockets) and the client's
# (the controller's network thread beside the UI thread, against in-process servers). Only
# these are built in build-tsan, so the pass stays a few minutes on a cold machine.
# Any race report fails the test (halt_on_error), and names both stacks.
set -euo pipefail
cd "$(dirname "$0")/.."
suites=(net_tests server_unit_tests client_tests loopback_session_tests server_tests
        chat_e2e_tests server_friends_tests)
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=1
cache=()
if command -v ccache >/dev/null 2>&1; then
  cache=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
if [ ! -f build-tsan/build.ninja ]; then
  cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSECURECHAT_WERROR=ON \
    -DSECURECHAT_TSAN=ON -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" "${cache[@]}"
fi
# The suites that run the real binary need it built the same way.
cmake --build build-tsan --target securechat "${suites[@]}"
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
# The GoogleTest cases of the suites built above (their names have a dot; the script checks
# do not): in this tree only theirs are discovered.
ctest --test-dir build-tsan --output-on-failure -j "$(nproc)" -R '\.' --timeout 900
