# Shared by the command-line test scripts: their arguments, a work directory, ok/bad
# counters, the servers' connection strings, and the canonical dump (the independent check).
# Source it with the script's arguments: source lib.sh "$@"   (BIN_DIR SOURCE_DIR SERVERS_ENV)
set -u
bin=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
servers_env=$3
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
cd "$work" || exit 1
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   - $1"; }
bad() { failed=$((failed + 1)); echo "FAIL - $1"; }
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" = 0 ]
}

# server_setting NAME: a value from the servers.sh env file.
server_setting() { grep "^$1=" "$servers_env" 2>/dev/null | cut -d= -f2-; }

# require_servers WHAT VALUE...: exits 77 (skipped, reason printed) when a value is empty,
# or 1 under CI=true, where the servers must be there.
require_servers() {
    local what=$1
    shift
    for v in "$@"; do
        [ -n "$v" ] && continue
        if [ "${CI:-}" = true ]; then echo "FAILED: $what not started (CI=true requires it)"; exit 1; fi
        echo "SKIPPED: $what not available (tests/support/servers.sh did not start it)"
        exit 77
    done
}

# both_servers: the PostgreSQL and MariaDB test servers' settings (pg_conn, maria_conn,
# maria_admin, port, psql's password), or skip/fail as require_servers says.
both_servers() {
    pg_conn=$(server_setting REPLICATE_TEST_PG)
    maria_conn=$(server_setting REPLICATE_TEST_MARIADB)
    maria_admin=$(server_setting REPLICATE_TEST_MARIADB_ADMIN)
    require_servers "PostgreSQL/MariaDB" "$pg_conn" "$maria_conn"
    port=$(echo "$pg_conn" | sed 's/.*Port=\([0-9]*\).*/\1/')
    export PGPASSWORD='Pg-test-pw;1' PGOPTIONS="-c client_min_messages=warning"
}
# psql_q ARGS...: psql as the test user on the test database, unaligned, stopping on errors.
psql_q() { psql -h 127.0.0.1 -p "$port" -U replicate -d replicate_test -X -q -t -A -v ON_ERROR_STOP=1 "$@"; }
# canonical DBMS TABLE [SCHEMA]: the table as its DBMS's own client prints it (see
# tests/support/canonical.sh); DBMS is postgresql, mariadb or sqlite:FILE.
canonical() { bash "$src/tests/support/canonical.sh" "$servers_env" "$@"; }
