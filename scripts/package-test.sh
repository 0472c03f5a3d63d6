#!/usr/bin/env bash
# Installs the Debian package into a fresh Debian 12 root and runs the server from it there.
# Usage: scripts/package-test.sh [DEB]   (default: build-deb/deb/securechat_*.deb, made by
#        scripts/package.sh)
#        scripts/package-test.sh --prepare-only   (only make the cached root)
# The root is `debootstrap --variant=minbase bookworm`, cached as a tarball under
# ~/.cache/securechat/ so that reruns skip the download. In a chroot: apt install ./the.deb,
# securechat --version, a demo PKI in /etc/securechat, --check-config on the packaged config,
# the server started as the securechat user on loopback, a TCP connect to it, SIGTERM (exit 0);
# then the root booted with systemd-nspawn to run securechat.service itself (sandbox, a client
# session, reload, stop); then a reinstall, apt remove and apt purge, each checked. Needs
# root (chroot, mount, nspawn) and the network (debootstrap, the package's Depends).
# scripts/test.sh runs it after scripts/package.sh (SECURECHAT_SKIP_PACKAGE=1 skips both).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(id -u)" -eq 0 ] || { echo "package-test: needs root (chroot, mount)" >&2; exit 1; }

mirror=${SECURECHAT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/securechat
tarball=$cache/bookworm-minbase.tar.gz
start=$(date +%s)
say() { echo "package-test [$(($(date +%s) - start))s]: $*"; }

root=$(mktemp -d /tmp/securechat-pkgtest.XXXXXX)
server_pid='' nspawn_pid=''
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  [ -n "$nspawn_pid" ] && kill "$nspawn_pid" 2>/dev/null && wait "$nspawn_pid" || true
  for m in dev/pts dev proc; do
    mountpoint -q "$root/$m" && umount -l "$root/$m"
  done
  rm -rf --one-file-system "$root"
}
trap cleanup EXIT

if [ ! -f "$tarball" ]; then
  say "debootstrap --variant=minbase bookworm (once; cached as $tarball)"
  mkdir -p "$cache"
  debootstrap --variant=minbase bookworm "$root" "$mirror" >"$cache/debootstrap.log" 2>&1 || {
    tail -20 "$cache/debootstrap.log" >&2
    exit 1
  }
  tar -C "$root" -czf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
else
  say "unpacking the cached root $tarball"
  tar -C "$root" -xzf "$tarball"
fi
# mktemp made the root 0700 (and tar restores that): securechat and _apt must traverse it.
chmod 0755 "$root"
[ "${1:-}" = --prepare-only ] && { say "root ready"; exit 0; }

deb=${1:-$(ls build-deb/deb/securechat_*.deb 2>/dev/null | head -1)}
[ -f "$deb" ] || { echo "package-test: no package (run scripts/package.sh first)" >&2; exit 1; }

mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$@"; }
fail() { echo "package-test: FAIL: $*" >&2; exit 1; }

say "apt install ./$(basename "$deb")"
in_root apt-get update -qq
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  "/tmp/$(basename "$deb")" >"$root/tmp/apt.log" 2>&1 || { cat "$root/tmp/apt.log" >&2; fail "apt install"; }

say "checking the installed files"
in_root securechat --version
for f in /usr/bin/securechat /etc/securechat/server.toml /lib/systemd/system/securechat.service \
  /usr/share/man/man1/securechat.1.gz /usr/share/man/man1/securechat-server.1.gz \
  /usr/share/bash-completion/completions/securechat /usr/share/zsh/vendor-completions/_securechat; do
  [ -e "$root$f" ] || fail "$f is not installed"
done
in_root dpkg-query -W -f='${Conffiles}\n' securechat | grep -q /etc/securechat/server.toml ||
  fail "server.toml is not a conffile"
in_root getent passwd securechat >/dev/null || fail "no securechat user"
[ "$(in_root stat -c '%a %U %G' /var/lib/securechat)" = "700 securechat securechat" ] ||
  fail "/var/lib/securechat is $(in_root stat -c '%a %U %G' /var/lib/securechat)"

say "a demo PKI in /etc/securechat"
in_root securechat pki init --dir /root/ca --name "Package test CA" >/dev/null
in_root securechat pki issue --dir /root/ca --server localhost --san IP:127.0.0.1 >/dev/null
in_root install -m 0644 /root/ca/ca.crt /etc/securechat/ca.crt
in_root install -m 0644 /root/ca/localhost.crt /etc/securechat/server.crt
in_root install -m 0640 -g securechat /root/ca/localhost.key /etc/securechat/server.key

as_securechat() { in_root setpriv --reuid=securechat --regid=securechat --init-groups "$@"; }
say "securechat server --check-config (as securechat)"
as_securechat securechat server --config /etc/securechat/server.toml --check-config

# A port the host is not using (the chroot shares the host's network).
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
say "starting the server as securechat on 127.0.0.1:$port"
# Not through the functions: chroot, env, setpriv and sh each exec the next, so that $! is
# the server itself.
chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
  setpriv --reuid=securechat --regid=securechat --init-groups \
  sh -c "cd /var/lib/securechat && exec securechat server \
    --config /etc/securechat/server.toml --listen 127.0.0.1:$port" >"$root/tmp/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
  grep -q "listening on" "$root/tmp/server.log" && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$root/tmp/server.log" >&2; fail "the server exited"; }
  sleep 0.1
done
grep -q "listening on" "$root/tmp/server.log" || fail "the server did not say it listens"
(exec 3<>"/dev/tcp/127.0.0.1/$port") || fail "nothing accepts on 127.0.0.1:$port"
# /proc/PID/status, not the owner of /proc/PID: the server makes itself non-dumpable, which
# gives its /proc entries to root.
uid=$(in_root id -u securechat)
[ "$(awk '/^Uid:/ { print $2 $3 }' "/proc/$server_pid/status")" = "$uid$uid" ] ||
  fail "the server does not run as securechat (uid $uid): $(grep ^Uid: "/proc/$server_pid/status")"
[ -n "$(find "$root/var/lib/securechat" -name '*.db' -uid "$uid")" ] ||
  fail "no database owned by securechat in /var/lib/securechat"
as_securechat securechat server --config /etc/securechat/server.toml admin list >/dev/null ||
  fail "securechat server admin list (as securechat) failed"
kill -TERM "$server_pid"
status=0
wait "$server_pid" || status=$?
server_pid=
[ "$status" -eq 0 ] || { cat "$root/tmp/server.log" >&2; fail "the server exited $status after SIGTERM"; }

apt_get() { in_root env DEBIAN_FRONTEND=noninteractive apt-get -y -qq "$@" >/dev/null; }

# The unit itself, sandbox and all, under a real systemd: the root booted with systemd-nspawn
# (the host needs no systemd). Skipped without systemd-nspawn (package systemd-container).
if command -v systemd-nspawn >/dev/null 2>&1; then
  say "the unit under systemd (systemd-nspawn --boot): start, a client session, reload, stop"
  apt_get install --no-install-recommends systemd
  sed -i "s|^listen = .*|listen = [\"127.0.0.1:$port\"]|" "$root/etc/securechat/server.toml"
  mport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # The packaged [metrics] table, its commented listen line turned on.
  sed -i "s|^# listen = \"127.0.0.1:9464\"|listen = \"127.0.0.1:$mport\"|" "$root/etc/securechat/server.toml"
  grep -q "^listen = \"127.0.0.1:$mport\"" "$root/etc/securechat/server.toml" ||
    fail "the packaged server.toml has no '# listen = \"127.0.0.1:9464\"' line in [metrics]"
  in_root systemctl enable securechat.service >/dev/null 2>&1
  in_root securechat pki issue --dir /root/ca --client alice >/dev/null
  for m in dev/pts dev proc; do umount "$root/$m"; done  # nspawn mounts its own
  systemd-nspawn -D "$root" --boot --register=no --keep-unit --quiet --console=passive \
    >"$cache/nspawn.log" 2>&1 &
  nspawn_pid=$!
  container_init() {  # the container's PID 1: the process named systemd under nspawn
    local p q
    for p in $(pgrep -x systemd); do
      q=$p
      while [ "${q:-1}" -gt 1 ]; do
        q=$(awk '/^PPid:/ { print $2 }' "/proc/$q/status" 2>/dev/null)
        [ "$q" = "$nspawn_pid" ] && { echo "$p"; return; }
      done
    done
  }
  leader=
  for _ in $(seq 150); do
    leader=$(container_init)
    [ -n "$leader" ] && nsenter -t "$leader" -a systemctl is-active -q securechat 2>/dev/null && break
    sleep 0.2
  done
  in_ns() { nsenter -t "$leader" -a "$@"; }
  [ -n "$leader" ] && in_ns systemctl is-active -q securechat ||
    { cat "$cache/nspawn.log" >&2; fail "securechat.service did not start under systemd"; }
  main_pid=$(in_ns systemctl show -p MainPID --value securechat)
  in_ns grep -q '^NoNewPrivs:[[:space:]]*1' "/proc/$main_pid/status" || fail "NoNewPrivs is off"
  in_ns grep -q '^Seccomp:[[:space:]]*2' "/proc/$main_pid/status" || fail "no seccomp filter"
  in_ns grep -q '^CapBnd:[[:space:]]*0*$' "/proc/$main_pid/status" || fail "capabilities left"
  scrape() {  # the metrics, from the host: nspawn shares its network
    exec 4<>"/dev/tcp/127.0.0.1/$mport" || return 1
    printf 'GET /metrics HTTP/1.0\r\n\r\n' >&4
    cat <&4
    exec 4<&-
  }
  before=$(scrape) || fail "no metrics on 127.0.0.1:$mport"
  grep -q '^securechat_logins_total 0' <<<"$before" || { echo "$before" >&2; fail "metrics before"; }
  session=$(printf '/register alice@example.org alice correct-horse-1\nhello from the package test\n/quit\n' |
    in_ns securechat chat --plain --server "127.0.0.1:$port" --server-name localhost \
      --ca /root/ca/ca.crt --cert /root/ca/alice.crt --key /root/ca/alice.key \
      --data-dir /root/client 2>&1) || true
  grep -q "session ended properly" <<<"$session" || { echo "$session" >&2; fail "client session"; }
  after=$(scrape) || fail "no metrics after the session"
  for series in 'securechat_logins_total{kind="register",outcome="ok"} 1' \
    'securechat_chat_messages_total 1' 'securechat_handshakes_total{outcome="ok"} 1'; do
    grep -qF "$series" <<<"$after" || { echo "$after" >&2; fail "metrics: no '$series'"; }
  done
  ! grep -q alice <<<"$after" || fail "a username in the metrics"
  in_ns systemctl reload securechat || fail "systemctl reload"
  sleep 0.5
  in_ns journalctl -u securechat -o cat | grep -q "event=reload result=ok" || fail "no reload logged"
  in_ns systemctl stop securechat
  [ "$(in_ns systemctl show -p Result --value securechat)" = success ] &&
    [ "$(in_ns systemctl show -p ExecMainStatus --value securechat)" = 0 ] ||
    fail "stop: $(in_ns systemctl show -p Result -p ExecMainStatus securechat | tr '\n' ' ')"
  # A port below 1024: refused by the unit as shipped (no capabilities), served with the
  # drop-in docs/OPERATIONS.md gives, which adds CAP_NET_BIND_SERVICE and nothing else.
  low=$(python3 -c '
import socket
for p in range(1023, 900, -1):
    try:
        s = socket.socket(); s.bind(("127.0.0.1", p)); print(p); break
    except OSError:
        pass')
  toml=$root/etc/securechat/server.toml
  sed -i "0,/^listen = /s|^listen = .*|listen = [\"127.0.0.1:$low\"]|" "$toml"  # the first: the server's
  ! in_ns systemctl start securechat 2>/dev/null || fail "the unit as shipped bound port $low"
  in_ns journalctl -u securechat -o cat | grep -q "127.0.0.1:$low: Permission denied" || {
    in_ns journalctl -u securechat -o cat | tail -8 >&2
    fail "no 'Permission denied' for port $low in the journal"
  }
  dropin=$root/etc/systemd/system/securechat.service.d
  mkdir -p "$dropin"
  printf '[Service]\nCapabilityBoundingSet=CAP_NET_BIND_SERVICE\nAmbientCapabilities=CAP_NET_BIND_SERVICE\nPrivateUsers=no\n' \
    >"$dropin/low-port.conf"
  in_ns systemctl daemon-reload
  in_ns systemctl reset-failed securechat
  in_ns systemctl start securechat || fail "with the drop-in, the unit did not start on port $low"
  for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$low") 2>/dev/null && break; sleep 0.1; done
  (exec 3<>"/dev/tcp/127.0.0.1/$low") || fail "with the drop-in, nothing accepts on 127.0.0.1:$low"
  main_pid=$(in_ns systemctl show -p MainPID --value securechat)
  in_ns grep -q '^CapBnd:[[:space:]]*0*400$' "/proc/$main_pid/status" ||
    fail "with the drop-in: $(in_ns grep ^CapBnd: "/proc/$main_pid/status"), not CAP_NET_BIND_SERVICE alone"
  in_ns systemctl stop securechat
  rm -r "$dropin"
  in_ns systemctl daemon-reload
  sed -i "0,/^listen = /s|^listen = .*|listen = [\"127.0.0.1:$port\"]|" "$toml"
  say "under systemd: port $low refused as shipped, served with the drop-in (CAP_NET_BIND_SERVICE only)"
  say "under systemd: started, NoNewPrivs, seccomp and no capabilities on the server, a client" \
    "registered and chatted with receipts exchanged, the metrics counted it, reload logged ok," \
    "stop exited 0"
  in_ns systemctl poweroff 2>/dev/null || true  # the bus goes away under it
  wait "$nspawn_pid" || true
  nspawn_pid=
  mount -t proc proc "$root/proc"
  mount --bind /dev "$root/dev"
  mount --bind /dev/pts "$root/dev/pts"
else
  say "SKIPPED the systemd stage: systemd-nspawn is not installed (package systemd-container)"
fi
say "reinstall (an upgrade's path through the maintainer scripts): edits and data kept"
echo "# edited by package-test" >>"$root/etc/securechat/server.toml"
apt_get install --reinstall "/tmp/$(basename "$deb")"
grep -q "edited by package-test" "$root/etc/securechat/server.toml" || fail "reinstall lost the edit"
[ -n "$(find "$root/var/lib/securechat" -name '*.db' -uid "$uid")" ] || fail "reinstall lost the data"
[ "$(in_root getent passwd securechat | cut -d: -f3)" = "$uid" ] || fail "the user changed"

say "apt remove securechat: binary gone, config and data kept"
apt_get remove securechat
[ ! -e "$root/usr/bin/securechat" ] || fail "remove left /usr/bin/securechat"
[ -e "$root/etc/securechat/server.toml" ] || fail "remove deleted server.toml"
[ -n "$(find "$root/var/lib/securechat" -name '*.db')" ] || fail "remove deleted the data"

say "apt purge securechat: config and data gone, the user and the operator's keys kept"
apt_get purge securechat
in_root getent passwd securechat >/dev/null || fail "purge removed the user"
[ -e "$root/etc/securechat/server.key" ] || fail "purge removed the operator's key"
[ ! -e "$root/var/lib/securechat" ] || fail "purge left /var/lib/securechat"
[ ! -e "$root/etc/securechat/server.toml" ] || fail "purge left server.toml"
say "OK: installed, configured, served on loopback as securechat, stopped, reinstalled, removed, purged"
