#!/usr/bin/env bash
# packaging/securechat.service passes `systemd-analyze verify`, keeps its hardening, and its
# `systemd-analyze security --offline=yes` exposure stays at or below MAX_EXPOSURE.
# Usage: check_systemd_unit.sh UNIT SECURECHAT_BIN [MAX_EXPOSURE]. Exit 77 (skipped): no
# systemd-analyze on this machine.
set -euo pipefail
unit=$1 bin=$2 max=${3:-2.0}
if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "SKIPPED: systemd-analyze is not installed (Debian package systemd)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# verify wants ExecStart's binary to exist: point it at the one just built. --man=no: the man
# pages named in Documentation= are installed by the package, not on the build machine.
sed "s#/usr/bin/securechat#$bin#g" "$unit" >"$tmp/securechat.service"
if ! out=$(systemd-analyze verify --man=no "$tmp/securechat.service" 2>&1) || [ -n "$out" ]; then
  echo "FAIL: systemd-analyze verify:"
  echo "$out"
  exit 1
fi
for directive in User=securechat ProtectSystem=strict NoNewPrivileges=yes PrivateTmp=yes \
  ReadWritePaths=/var/lib/securechat 'CapabilityBoundingSet=$' ProtectHome=yes \
  PrivateDevices=yes 'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' \
  SystemCallFilter=@system-service MemoryDenyWriteExecute=yes \
  'ExecReload=/bin/kill -HUP \$MAINPID'; do
  grep -q "^$directive" "$unit" || { echo "FAIL: $unit lacks $directive"; exit 1; }
done
exposure=$(systemd-analyze security --offline=yes "$tmp/securechat.service" 2>/dev/null |
  sed -n 's/.*Overall exposure level for securechat.service: \([0-9.]*\).*/\1/p')
if [ -z "$exposure" ] || ! awk -v e="$exposure" -v m="$max" 'BEGIN { exit !(e <= m) }'; then
  echo "FAIL: systemd-analyze security exposure '${exposure}' is above $max"
  exit 1
fi
echo "OK: systemd-analyze verify is clean; exposure $exposure (at most $max)"
