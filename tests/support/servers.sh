#!/usr/bin/env bash
# Starts PostgreSQL 15 and MariaDB 10.11 for the test suite: each in a fresh data directory
# under DIR, on a free loopback port, with a test database and a password-protected user.
# Writes the ODBC connection strings to DIR/servers.env (REPLICATE_TEST_PG=...,
# REPLICATE_TEST_MARIADB=...). Installs the Debian packages if missing. Registers nothing
# outside DIR: a second run starts fresh servers.
#   servers.sh start DIR     servers.sh stop DIR
set -uo pipefail
action=${1:?start or stop}
dir=${2:?directory}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
env_file="$dir/servers.env"
log() { echo "servers: $*" >&2; }

free_port() {
    local p
    for _ in $(seq 200); do
        p=$((20000 + RANDOM % 20000))
        (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
    done
    return 1
}

install_missing() {
    local missing=()
    for p in postgresql odbc-postgresql mariadb-server odbc-mariadb; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing ${missing[*]}"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    # Package scripts must not start the distribution's own servers (ours run in DIR): a
    # policy-rc.d for the length of this install only, unless one is already there.
    local made_policy=false
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
        $sudo chmod +x /usr/sbin/policy-rc.d
        made_policy=true
    fi
    # Package lists may be stale or empty on a machine that had every build dependency.
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null 2>&1 || {
        $sudo apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" >/dev/null
    }
    local rc=$?
    [ "$made_policy" = true ] && $sudo rm -f /usr/sbin/policy-rc.d
    return $rc
}

# Servers refuse to run as root; they run as their packages' users, or as nobody.
run_as() {
    local user=$1
    shift
    if [ "$(id -u)" = 0 ]; then runuser -u "$user" -- "$@"; else "$@"; fi
}

start_pg() {
    local bin=/usr/lib/postgresql/15/bin data="$dir/pg" port user=postgres
    [ -x "$bin/initdb" ] || { log "PostgreSQL 15 is not installed"; return 1; }
    id postgres >/dev/null 2>&1 || user=nobody
    port=$(free_port) || return 1
    rm -rf "$data" && mkdir -p "$data" "$dir/pg-run"
    [ "$(id -u)" = 0 ] && chown "$user" "$data" "$dir/pg-run"
    echo "postgres-superuser" >"$dir/pg-pw" && [ "$(id -u)" = 0 ] && chown "$user" "$dir/pg-pw"
    run_as "$user" "$bin/initdb" -D "$data" -U postgres --pwfile="$dir/pg-pw" -E UTF8 \
        --locale=C.UTF-8 --auth=scram-sha-256 >"$dir/pg-initdb.log" 2>&1 || { log "initdb failed"; cat "$dir/pg-initdb.log" >&2; return 1; }
    run_as "$user" "$bin/pg_ctl" -D "$data" -l "$dir/pg-run/pg.log" -w -t 60 \
        -o "-p $port -k $dir/pg-run -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50" \
        start >/dev/null || { log "PostgreSQL did not start"; cat "$dir/pg-run/pg.log" >&2; return 1; }
    PGPASSWORD=postgres-superuser psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q <<SQL || return 1
CREATE ROLE replicate LOGIN PASSWORD 'Pg-test-pw;1';
CREATE DATABASE replicate_test OWNER replicate ENCODING 'UTF8' TEMPLATE template0;
SQL
    echo "$port" >"$dir/pg.port"
    echo "REPLICATE_TEST_PG=Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=$port;Database=replicate_test;UID=replicate;PWD={Pg-test-pw;1}" >>"$env_file"
    echo "REPLICATE_TEST_PG_ADMIN=PGPASSWORD=postgres-superuser psql -h 127.0.0.1 -p $port -U postgres" >>"$env_file"
    log "PostgreSQL 15 on 127.0.0.1:$port"
}

start_mariadb() {
    local data="$dir/mariadb" run="$dir/mariadb-run" port user=mysql
    local sock="$run/mariadb.sock"
    command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] || { log "MariaDB is not installed"; return 1; }
    id mysql >/dev/null 2>&1 || user=nobody
    port=$(free_port) || return 1
    rm -rf "$data" "$run" && mkdir -p "$data" "$run"
    [ "$(id -u)" = 0 ] && chown "$user" "$data" "$run"
    mariadb-install-db --no-defaults --datadir="$data" --user="$user" --auth-root-authentication-method=normal \
        >"$dir/mariadb-install.log" 2>&1 || { log "mariadb-install-db failed"; cat "$dir/mariadb-install.log" >&2; return 1; }
    /usr/sbin/mariadbd --no-defaults --datadir="$data" --user="$user" --port="$port" \
        --bind-address=127.0.0.1 --socket="$sock" --pid-file="$run/mariadb.pid" \
        --log-error="$run/mariadb.log" --innodb-flush-log-at-trx-commit=2 --skip-log-bin \
        --character-set-server=utf8mb4 --collation-server=utf8mb4_bin >/dev/null 2>&1 &
    for _ in $(seq 60); do
        mariadb --no-defaults -S "$sock" -u root -e "select 1" >/dev/null 2>&1 && break
        sleep 0.5
    done
    mariadb --no-defaults -S "$sock" -u root <<SQL || { log "MariaDB did not start"; cat "$run/mariadb.log" >&2; return 1; }
CREATE DATABASE replicate_test CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE USER 'replicate'@'127.0.0.1' IDENTIFIED BY 'Maria-test-pw;1';
CREATE USER 'replicate'@'localhost' IDENTIFIED BY 'Maria-test-pw;1';
GRANT ALL ON replicate_test.* TO 'replicate'@'127.0.0.1';
GRANT ALL ON replicate_test.* TO 'replicate'@'localhost';
GRANT CONNECTION ADMIN ON *.* TO 'replicate'@'127.0.0.1';
SQL
    echo "$port" >"$dir/mariadb.port"
    echo "REPLICATE_TEST_MARIADB=Driver={MariaDB Unicode};Server=127.0.0.1;Port=$port;Database=replicate_test;UID=replicate;PWD={Maria-test-pw;1}" >>"$env_file"
    echo "REPLICATE_TEST_MARIADB_ADMIN=mariadb --no-defaults -S $sock -u root" >>"$env_file"
    log "MariaDB on 127.0.0.1:$port"
}

stop_all() {
    if [ -f "$dir/pg/postmaster.pid" ]; then
        local user=postgres
        id postgres >/dev/null 2>&1 || user=nobody
        run_as "$user" /usr/lib/postgresql/15/bin/pg_ctl -D "$dir/pg" -m immediate -w stop >/dev/null 2>&1
    fi
    if [ -f "$dir/mariadb-run/mariadb.pid" ]; then
        kill "$(cat "$dir/mariadb-run/mariadb.pid")" 2>/dev/null
        for _ in $(seq 40); do [ -f "$dir/mariadb-run/mariadb.pid" ] || break; sleep 0.25; done
    fi
    rm -rf "$dir/pg" "$dir/pg-run" "$dir/mariadb" "$dir/mariadb-run" "$env_file"
}

case "$action" in
start)
    stop_all
    : >"$env_file"
    install_missing || log "could not install the server packages"
    status=0
    start_pg || { status=1; log "PostgreSQL unavailable"; }
    start_mariadb || { status=1; log "MariaDB unavailable"; }
    # Outside CI a missing server only makes its tests skip (they say why); in CI it fails.
    if [ "$status" != 0 ] && [ "${CI:-}" = true ]; then exit 1; fi
    exit 0
    ;;
stop) stop_all ;;
*) echo "usage: servers.sh start|stop DIR" >&2; exit 2 ;;
esac
