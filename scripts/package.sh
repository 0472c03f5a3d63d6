#!/usr/bin/env bash
# Builds the Debian package (CPack DEB, cmake/Packaging.cmake) and runs lintian on it.
# Usage: scripts/package.sh [BUILD_DIR] — prints the path of BUILD_DIR/deb/securechat_*.deb.
# Builds only what the package holds (the binary, man pages, completions), not the tests, in
# its own tree (default build-deb): with Debian's hardening flags (dpkg-buildflags,
# hardening=+all: fortify, stack protector, PIE, relro and bindnow), which the development
# tree does not use. The first build compiles everything once (ccache helps reruns).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build-deb}
if [ ! -f "$build_dir/build.ninja" ]; then
  # No -g: the package ships the binary stripped, and there is no -dbgsym package.
  eval "$(DEB_BUILD_MAINT_OPTIONS=hardening=+all DEB_CXXFLAGS_MAINT_STRIP=-g \
    dpkg-buildflags --export=sh)"
  launcher=()
  command -v ccache >/dev/null 2>&1 && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  CXXFLAGS="$CXXFLAGS $CPPFLAGS" LDFLAGS="$LDFLAGS" cmake -S . -B "$build_dir" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE=-DNDEBUG -DSECURECHAT_WERROR=ON \
    -DSECURECHAT_TESTS=OFF "${launcher[@]}"
else
  cmake -B "$build_dir" >/dev/null  # picks up changes to the packaging files
fi
cmake --build "$build_dir" --target securechat securechat_cli_docs securechat_changelog
rm -rf "$build_dir/deb"
# dpkg-shlibdeps (CPACK_DEBIAN_PACKAGE_SHLIBDEPS) turns the linked libraries into Depends.
(cd "$build_dir" && cpack -G DEB -B "$PWD/deb" >/dev/null)
deb=$(ls "$build_dir"/deb/securechat_*.deb)
echo "package: $deb"
dpkg-deb --field "$deb" Package Version Architecture Depends
if command -v lintian >/dev/null 2>&1; then
  # The remaining warnings and why they stay are listed in docs/OPERATIONS.md.
  lintian --display-info "$deb" || { echo "package: lintian found errors" >&2; exit 1; }
else
  echo "package: lintian is not installed (scripts/setup.sh installs it); not checked"
fi
