#!/usr/bin/env bash
# Installs the Debian 12 packages SecureChat builds and tests with — only those missing.
# Idempotent, never prompts, works as root or as a user with sudo. Nothing else is downloaded.
#   scripts/setup.sh bench   also the peers scripts/bench.sh measures beside ours (mosquitto with
#                            its client library, for ../shared/anchors/mqtt; bc for its sums)
set -euo pipefail

PACKAGES=(
  # toolchain
  g++ cmake ninja-build pkg-config git clang-format ccache
  # fuzzing (scripts/fuzz.sh): clang with libFuzzer and the sanitizer runtimes
  clang libclang-rt-14-dev
  # libraries (README lists why each is here)
  openssl libssl-dev libasio-dev nlohmann-json3-dev libcli11-dev libtomlplusplus-dev
  libspdlog-dev libfmt-dev libsqlite3-dev libmariadb-dev libsodium-dev libncurses-dev
  # tests and benchmarks; tcpdump and tshark (the Lua dissector) for the packet-capture
  # evidence (scripts/evidence.sh)
  libgtest-dev libgmock-dev libbenchmark-dev tcpdump tshark
  # the private MariaDB the store tests run against (scripts/mariadb-test-server.sh)
  mariadb-server mariadb-client
  # the independent vector checks (tools/check_vectors.py; tools/check_e2e_vectors.py needs
  # python3-cryptography for X25519, Ed25519 and AES-GCM), the openssl receipt recipe (xxd),
  # and the terminal UI tests (tmux)
  python3 python3-cryptography xxd tmux
  # the Debian package (scripts/package.sh): its checker, the fresh Debian 12 root that
  # scripts/package-test.sh installs it into and boots (systemd-nspawn) to run the unit, and
  # zsh to parse the zsh completion
  lintian debootstrap systemd-container zsh
)
if [ "${1:-}" = bench ]; then
  PACKAGES+=(mosquitto libmosquitto-dev mosquitto-clients bc gcc)
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=(env DEBIAN_FRONTEND=noninteractive)
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo -n env DEBIAN_FRONTEND=noninteractive)
else
  echo "setup: missing packages (${missing[*]}) and neither root nor sudo is available" >&2
  exit 1
fi

echo "setup: installing ${missing[*]}"
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup: done"
