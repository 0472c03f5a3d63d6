#!/usr/bin/env bash
# The one-command demo: installs what is missing, builds, creates a CA and certificates, starts a
# server on SQLite, runs two scripted clients (alice and bob) that register, log in again and
# chat with the server, ends every session with signed receipts, verifies every transcript and
# receipt offline with `securechat verify`, stops the server with SIGTERM, and says what
# happened. Everything lives in a temporary directory that is removed on exit, also when
# interrupted. SECURECHAT_BUILD_DIR picks another build directory (default: build).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

scripts/setup.sh >/dev/null
build_dir=${SECURECHAT_BUILD_DIR:-build}
scripts/build.sh "$build_dir" >/dev/null
sc="$PWD/$build_dir/bin/securechat"
ready=$(date +%s)

work=$(mktemp -d "${TMPDIR:-/tmp}/securechat-demo.XXXXXX")
server_pid=''
client_pids=()
cleanup() {
  for pid in ${server_pid:+"$server_pid"} ${client_pids[@]+"${client_pids[@]}"}; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cd "$work"

if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
# Output as it would look here: securechat on PATH, paths relative to the demo directory, and
# session ids (64 hex digits) and fingerprints shortened so lines stay readable.
shown() {
  sed -E "s#$sc#securechat#g; s#$work/##g; s/([0-9a-f]{12})[0-9a-f]{52}/\1…/g;
          s/(([0-9A-F]{2}:){7}[0-9A-F]{2})(:[0-9A-F]{2}){24}/\1…/g"
}
# Shows a command as typed (arguments with spaces in quotes), then runs it quietly.
quiet() {
  local line='$' arg
  for arg in "$@"; do
    case $arg in *' '*) line+=" \"$arg\"" ;; *) line+=" $arg" ;; esac
  done
  printf '%s\n' "$line" | shown
  "$@" >/dev/null
}
die() { echo "demo: $*" >&2; exit 1; }
# The gist of `securechat verify`'s paragraph, on one line.
verdict() {
  printf '%s' "$1" | tr '\n' ' ' | sed -E 's/^OK: session [0-9a-f]+ between (.*)\. The transcript holds ([0-9]+ messages?) from the client.* The receipt is signed by the ([a-z]+) .*/OK: \2 from the client, receipt signed by the \3/'
}

step "1. A private CA; certificates for the server (names: server, 127.0.0.1), alice and bob"
quiet "$sc" pki init --dir ca --name "SecureChat Demo CA"
quiet "$sc" pki issue --dir ca --server server --san IP:127.0.0.1
quiet "$sc" pki issue --dir ca --client alice
quiet "$sc" pki issue --dir ca --client bob --key ecdsa-p256

step "2. Start the server: accounts in SQLite, transcripts and receipts under server/"
printf '$ %s\n' "securechat server --listen 127.0.0.1:0 --cert ca/server.crt --key ca/server.key --ca ca/ca.crt --data-dir server &"
"$sc" server --listen 127.0.0.1:0 --cert ca/server.crt --key ca/server.key --ca ca/ca.crt \
  --data-dir server --log-level warn >server.out 2>server.log &
server_pid=$!
# Port 0 lets the kernel pick a free port; the server's first line says which.
for _ in $(seq 100); do
  grep -q '^listening on ' server.out 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || die "the server did not start: $(cat server.log)"
  sleep 0.1
done
address=$(sed -n 's/^listening on //p' server.out | head -n 1)
[ -n "$address" ] || die "the server did not say where it listens"
echo "listening on $address"

# chat NAME SESSION_LABEL INPUT: one scripted line-mode session, its output kept for later.
chat() {
  local name=$1 label=$2 input=$3
  {
    printf '$ securechat chat --plain --server %s --server-name server --ca ca/ca.crt --cert ca/%s.crt --key ca/%s.key --data-dir %s <<EOF\n' \
      "$address" "$name" "$name" "$name"
    printf '%s\n' "$input" | sed 's/^/  /'
    echo 'EOF'
    "$sc" chat --plain --server "$address" --server-name server --ca ca/ca.crt \
      --cert "ca/$name.crt" --key "ca/$name.key" --data-dir "$name" <<<"$input" 2>&1 \
      && echo "(exit status 0)" || echo "(exit status $?)"
  } | shown >"$name.$label.log"
}
# Both clients at once, each in its own session with the server (users chat with the server;
# user-to-user delivery is a later issue).
both() {
  local label=$1 alice_input=$2 bob_input=$3
  client_pids=()
  chat alice "$label" "$alice_input" & client_pids+=($!)
  chat bob "$label" "$bob_input" & client_pids+=($!)
  wait "${client_pids[@]}"
  client_pids=()
  cat "alice.$label.log"; echo; cat "bob.$label.log"
  grep -q '^(exit status 0)$' "alice.$label.log" || die "alice's session failed"
  grep -q '^(exit status 0)$' "bob.$label.log" || die "bob's session failed"
}

step "3. alice and bob register and say hello (each message is acknowledged; /quit exchanges receipts)"
both first \
  "/register alice@example.com alice alice-demo-password
Hello from alice!
/quit" \
  "/register bob@example.com bob bob-demo-password
Hi, this is bob.
/quit"

step "4. They come back and log in (end of input works like /quit)"
both second \
  "/login alice alice-demo-password
alice again, second session.
/sleep 0.2
And one more, after a short pause." \
  "/login bob bob-demo-password
bob here again."

step "5. Every transcript and receipt verifies offline, with nothing but the CA certificate"
sessions=0 checks=0 identical=0
for name in alice bob; do
  for transcript in $(ls -1tr "$name"/transcripts/*.transcript); do
    stem=${transcript%.transcript}
    session=$(basename "$stem")
    sessions=$((sessions + 1))
    echo "$name, session ${session:0:12}…:"
    # The client's transcript against the receipt the server signed...
    out=$("$sc" verify "$transcript" "$stem.receipt.peer.json" --cert "$stem.peer.crt" --ca ca/ca.crt) \
      || die "verify failed: $out"
    printf '  %-40s %s\n' "$name's transcript, the server's receipt:" "$(verdict "$out")"
    # ...and the server's transcript of the same session against the receipt the client signed.
    out=$("$sc" verify "server/transcripts/$session.transcript" \
      "server/transcripts/$session.receipt.peer.json" --cert "ca/$name.crt" --ca ca/ca.crt) \
      || die "verify failed: $out"
    printf '  %-40s %s\n' "the server's transcript, $name's receipt:" "$(verdict "$out")"
    checks=$((checks + 2))
    # Messages went one way only, so both sides' transcripts are the same bytes (PROTOCOL §7).
    if cmp -s "$transcript" "server/transcripts/$session.transcript"; then
      identical=$((identical + 1))
      echo "  both transcripts are identical, byte for byte"
    fi
  done
done
server_sessions=$(find server/transcripts -name '*.receipt.peer.json' | wc -l)
[ "$server_sessions" -eq "$sessions" ] || die "the server kept $server_sessions sessions, the clients $sessions"

step "6. Stop the server with SIGTERM"
printf '$ kill -TERM %s\n' "$server_pid"
kill -TERM "$server_pid"
status=0
wait "$server_pid" || status=$?
server_pid=''
echo "the server exited with status $status"
[ "$status" -eq 0 ] || die "the server did not stop cleanly: $(cat server.log)"

messages=$(cat ./*.log | grep -c ' delivered$' || true)
step "What happened"
fmt -w 96 <<TXT
A private CA issued certificates to a server and to alice and bob. The server ran on $address
with its accounts in SQLite. alice and bob, at the same time, each registered, chatted, ended
the session, came back and logged in: $sessions sessions, each after a handshake in which both
sides proved their certificates, and $messages messages, each signed by its sender and
acknowledged by the server. Every session ended with signed receipts on both sides, and
\`securechat verify\` accepted all $checks transcript and receipt pairs; $identical of $sessions
sessions have byte-identical transcripts on client and server. The server stopped on SIGTERM
with exit status $status. Setup and build took $((ready - started)) s, the demo itself
$(($(date +%s) - ready)) s; its directory is removed now.
TXT
