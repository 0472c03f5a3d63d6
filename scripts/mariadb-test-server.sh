#!/usr/bin/env bash
# A private MariaDB for the store tests: its own datadir, unix socket and TCP port, so it never
# touches a system server. Installs nothing (scripts/setup.sh does). Idempotent.
#   scripts/mariadb-test-server.sh start   initialise if needed, start, wait, create the seeds'
#                                          database `securechat` and user `chatuser`
#   scripts/mariadb-test-server.sh stop    shut it down cleanly (and wait for it)
#   scripts/mariadb-test-server.sh env     print `export SECURECHAT_TEST_MARIADB_...=...` lines
#   scripts/mariadb-test-server.sh status  say whether it runs
# Settings: SECURECHAT_MARIADB_DIR (default /tmp/securechat-mariadb), SECURECHAT_MARIADB_PORT
# (default 33306; it listens on 127.0.0.1 only).
# The server also offers TLS (optional for clients) with a certificate for 127.0.0.1/localhost
# from a throwaway CA in $dir/tls; `env` names that CA, so the store tests can check a verified
# TLS connection (review L7).
set -euo pipefail

dir=${SECURECHAT_MARIADB_DIR:-/tmp/securechat-mariadb}
port=${SECURECHAT_MARIADB_PORT:-33306}
datadir=$dir/data
socket=$dir/mariadb.sock
pidfile=$dir/mariadbd.pid
logfile=$dir/mariadbd.log
tlsdir=$dir/tls
# As in the seeds: CREATE USER 'chatuser'@'localhost' IDENTIFIED BY 'StrongPassword123'. A test
# password on a server that listens on loopback only.
db_user=chatuser
db_password=StrongPassword123
db_name=securechat

# mariadb-install-db gives the OS user that runs it an administrator account that logs in through
# the socket without a password (unix_socket), so no administrator password exists anywhere.
admin_user=$(id -un)

die() {
    echo "mariadb-test-server: $*" >&2
    exit 1
}

find_tool() {
    local name
    for name in "$@"; do
        if command -v "$name" >/dev/null 2>&1; then
            command -v "$name"
            return 0
        fi
        if [ -x "/usr/sbin/$name" ]; then
            echo "/usr/sbin/$name"
            return 0
        fi
    done
    die "none of '$*' is installed; run scripts/setup.sh (it installs mariadb-server and" \
        "mariadb-client)"
}

server_pid() {
    local pid
    [ -f "$pidfile" ] || return 1
    pid=$(cat "$pidfile" 2>/dev/null) || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    echo "$pid"
}

admin() {
    "$(find_tool mariadb-admin mysqladmin)" --no-defaults --socket="$socket" -u "$admin_user" \
        --connect-timeout=2 "$@"
}

answers() {
    admin ping >/dev/null 2>&1
}

sql_as_admin() {
    "$(find_tool mariadb mysql)" --no-defaults --socket="$socket" -u "$admin_user" \
        --connect-timeout=5 -e "$1"
}

print_env() {
    # The first two make a later `stop`/`start` (from a test, say) act on this same server.
    cat <<EOF
export SECURECHAT_MARIADB_DIR='$dir'
export SECURECHAT_MARIADB_PORT='$port'
export SECURECHAT_TEST_MARIADB_SOCKET='$socket'
export SECURECHAT_TEST_MARIADB_PORT='$port'
export SECURECHAT_TEST_MARIADB_USER='$db_user'
export SECURECHAT_TEST_MARIADB_PASSWORD='$db_password'
export SECURECHAT_TEST_MARIADB_DATABASE='$db_name'
export SECURECHAT_TEST_MARIADB_TLS_CA='$tlsdir/ca.pem'
EOF
}

# A CA and a server certificate (IP:127.0.0.1, DNS:localhost), made once per directory.
make_tls() {
    [ -s "$tlsdir/server.pem" ] && return 0
    mkdir -p "$tlsdir"
    chmod 700 "$tlsdir"
    {
        openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tlsdir/ca.key" -out "$tlsdir/ca.pem" \
            -days 3650 -subj "/CN=SecureChat test MariaDB CA" &&
            openssl req -newkey rsa:2048 -nodes -keyout "$tlsdir/server.key" \
                -out "$tlsdir/server.csr" -subj "/CN=localhost" &&
            printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' \
                >"$tlsdir/server.ext" &&
            openssl x509 -req -in "$tlsdir/server.csr" -CA "$tlsdir/ca.pem" -CAkey "$tlsdir/ca.key" \
                -CAcreateserial -days 3650 -extfile "$tlsdir/server.ext" -out "$tlsdir/server.pem"
    } >"$dir/tls.log" 2>&1 || die "making the TLS certificate failed; see $dir/tls.log"
}

start() {
    local began mariadbd install_db user_args=() waited=0 pid launched elapsed_ms
    began=$(date +%s%N)
    if server_pid >/dev/null && answers; then
        echo "mariadb-test-server: already running (socket $socket, port $port)"
        return 0
    fi
    mariadbd=$(find_tool mariadbd mysqld)
    install_db=$(find_tool mariadb-install-db mysql_install_db)
    mkdir -p "$dir"
    # The socket's directory is private: the only way in without a password is through it.
    chmod 700 "$dir"
    # mariadbd refuses to run as root unless told to, and needs to know whom to run as.
    user_args=(--user="$admin_user")

    if [ ! -d "$datadir/mysql" ]; then
        rm -rf "$datadir"
        "$install_db" --no-defaults --datadir="$datadir" "${user_args[@]}" --skip-test-db \
            --auth-root-authentication-method=socket >"$dir/install.log" 2>&1 ||
            die "mariadb-install-db failed; see $dir/install.log"
    fi

    make_tls

    # A stale pid file or socket from a killed server would make the new one refuse to start.
    if ! server_pid >/dev/null; then
        rm -f "$pidfile" "$socket" "$socket.lock"
    fi
    # No fsync (nosync, log flushed once a second, no doublewrite): test data need survive only a
    # killed server, not a power cut, and each test's DDL would otherwise wait on the disk.
    # setsid: the server must outlive the shell (and the test) that started it, and must not
    # hold the caller's stdout open (tests read it to EOF).
    setsid "$mariadbd" --no-defaults "${user_args[@]}" --datadir="$datadir" \
        --socket="$socket" --port="$port" --bind-address=127.0.0.1 --pid-file="$pidfile" \
        --log-error="$logfile" --tmpdir="$dir" --skip-name-resolve \
        --innodb-buffer-pool-size=32M --max-connections=200 \
        --innodb-flush-method=nosync --innodb-flush-log-at-trx-commit=2 --innodb-doublewrite=0 \
        --ssl-ca="$tlsdir/ca.pem" --ssl-cert="$tlsdir/server.pem" --ssl-key="$tlsdir/server.key" \
        </dev/null >>"$logfile" 2>&1 &
    launched=$!

    # Up to 60 s: a first start after a crash may run InnoDB recovery.
    until answers; do
        if [ "$waited" -ge 600 ]; then
            die "the server did not answer within 60 s; last lines of $logfile:
$(tail -n 20 "$logfile" 2>/dev/null)"
        fi
        if ! kill -0 "$launched" 2>/dev/null; then
            die "the server exited while starting; last lines of $logfile:
$(tail -n 20 "$logfile" 2>/dev/null)"
        fi
        sleep 0.1
        waited=$((waited + 1))
    done

    # The seeds' setup (database, user, grant), plus the same user over TCP from 127.0.0.1
    # (`localhost` means the socket) and the databases the store tests create for themselves.
    sql_as_admin "
        CREATE DATABASE IF NOT EXISTS \`$db_name\`;
        CREATE USER IF NOT EXISTS '$db_user'@'localhost' IDENTIFIED BY '$db_password';
        CREATE USER IF NOT EXISTS '$db_user'@'127.0.0.1' IDENTIFIED BY '$db_password';
        GRANT ALL PRIVILEGES ON \`$db_name\`.* TO '$db_user'@'localhost', '$db_user'@'127.0.0.1';
        GRANT ALL PRIVILEGES ON \`${db_name}\\_test\\_%\`.* TO
            '$db_user'@'localhost', '$db_user'@'127.0.0.1';
        FLUSH PRIVILEGES;" || die "could not create the database and user; see $logfile"

    pid=$(server_pid || echo '?')
    elapsed_ms=$((($(date +%s%N) - began) / 1000000))
    echo "mariadb-test-server: running (pid $pid, socket $socket, port $port)," \
        "ready in ${elapsed_ms} ms"
}

stop() {
    local pid waited=0
    if ! pid=$(server_pid); then
        rm -f "$pidfile"
        echo "mariadb-test-server: not running"
        return 0
    fi
    # A clean shutdown flushes InnoDB, so the next start needs no recovery.
    admin shutdown >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do
        if [ "$waited" -ge 300 ]; then
            echo "mariadb-test-server: no clean shutdown within 30 s; killing $pid" >&2
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    rm -f "$pidfile"
    echo "mariadb-test-server: stopped"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    env) print_env ;;
    status)
        if server_pid >/dev/null && answers; then
            echo "mariadb-test-server: running (socket $socket, port $port)"
        else
            echo "mariadb-test-server: not running"
            exit 1
        fi
        ;;
    *)
        echo "usage: $0 start|stop|env|status" >&2
        exit 2
        ;;
esac
