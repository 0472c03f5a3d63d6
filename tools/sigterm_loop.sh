#!/usr/bin/env bash
# M3 measurement (docs/SECURITY.md): start `securechat server`, open and close one TCP connection,
# send SIGTERM at once, and count how many of RUNS exit with status 0. The review's code crashed
# in 6 of 20 runs on SQLite.
#   tools/sigterm_loop.sh [path/to/securechat] [RUNS]
set -euo pipefail
bin=${1:-build/bin/securechat}
runs=${2:-100}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" pki init --dir "$work/ca" --name "Loop CA" >/dev/null
"$bin" pki issue --dir "$work/ca" --server --san IP:127.0.0.1 server >/dev/null
ok=0
declare -A codes=()
for ((i = 1; i <= runs; i++)); do
    rm -rf "$work/data"
    : >"$work/out"  # before the child starts: an old port must not be read again
    "$bin" server --listen 127.0.0.1:0 --cert "$work/ca/server.crt" --key "$work/ca/server.key" \
        --ca "$work/ca/ca.crt" --data-dir "$work/data" >"$work/out" 2>"$work/err" &
    pid=$!
    port=""
    for _ in $(seq 1 500); do
        port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$work/out" | head -n1)
        [[ -n "$port" ]] && break
        sleep 0.01
    done
    if [[ -z "$port" ]]; then
        echo "run $i: the server did not start" >&2
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        continue
    fi
    # Open and close one TCP connection, then SIGTERM at once.
    if ! exec 3<>"/dev/tcp/127.0.0.1/$port"; then
        echo "run $i: could not connect to port $port" >&2
    fi
    exec 3>&-
    kill -TERM "$pid"
    set +e
    wait "$pid"
    code=$?
    set -e
    codes[$code]=$((${codes[$code]:-0} + 1))
    if [[ $code -eq 0 ]]; then
        ok=$((ok + 1))
    else
        echo "run $i: exit $code: $(tail -n 3 "$work/err" | tr '\n' ' ')" >&2
    fi
done
summary=""
for c in "${!codes[@]}"; do
    summary+=" exit$c=${codes[$c]}"
done
echo "$ok of $runs runs exited 0 ($summary )"
[[ $ok -eq $runs ]]
