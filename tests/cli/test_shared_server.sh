#!/usr/bin/env bash
# Two runs of the server suites at once against one PostgreSQL and one MariaDB, as when two
# developers or two CI jobs share an external REPLICATE_TEST_PG: each run's contract suites,
# a pair test and cli.promises, side by side. Every test object carries its process id, and
# sessions are picked by this run's names, so both runs must pass whole.
# Usage: test_shared_server.sh BIN_DIR SOURCE_DIR SERVERS_ENV BACKEND_TESTS
backend_tests=$(cd "$(dirname "$4")" && pwd)/$(basename "$4")  # before lib.sh moves to its work directory
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"
both_servers
# The servers as an external one is given: in the environment.
export REPLICATE_TEST_PG=$pg_conn REPLICATE_TEST_MARIADB=$maria_conn REPLICATE_SERVERS_ENV=$servers_env

one_suite() {  # one_suite NAME: the parts of the suite this test doubles; one line per part
    local name=$1
    REPLICATE_TEST_SOURCE=postgresql REPLICATE_TEST_TARGET=postgresql "$backend_tests" \
        '-tce=*fidelity*,*two DBMSs*,SQL Server live*' >"$name-contract.postgresql.log" 2>&1
    echo "contract.postgresql $?"
    REPLICATE_TEST_SOURCE=mariadb REPLICATE_TEST_TARGET=mariadb "$backend_tests" \
        '-tce=*fidelity*,*two DBMSs*,SQL Server live*' >"$name-contract.mariadb.log" 2>&1
    echo "contract.mariadb $?"
    REPLICATE_TEST_SOURCE=postgresql REPLICATE_TEST_TARGET=mariadb "$backend_tests" \
        '--test-case=*fidelity*,*two DBMSs*' >"$name-pairs.postgresql-mariadb.log" 2>&1
    echo "pairs.postgresql-mariadb $?"
    bash "$src/tests/cli/test_promises.sh" "$bin" "$src" "$servers_env" >"$name-cli.promises.log" 2>&1
    echo "cli.promises $?"
}
one_suite a >a.codes &
first=$!
one_suite b >b.codes &
second=$!
wait $first $second
for name in a b; do
    while read -r part code; do
        [ "$code" = 0 ] && ok "run $name: $part passed beside the other run" \
            || { bad "run $name: $part exit $code beside the other run"; grep -E "FAIL|ERROR" "$name-$part.log" 2>/dev/null | head -3; }
    done <$name.codes
    [ "$(wc -l <$name.codes)" = 4 ] || bad "run $name: $(wc -l <$name.codes) of 4 parts reported"
done
# Nothing of either run is left: the backend suites drop their tables at exit.
n=$(psql_q -c "SELECT count(*) FROM pg_tables WHERE tablename ~ '_p[0-9]+_'")
m=$($maria_admin -N -B -e "SELECT count(*) FROM information_schema.TABLES WHERE TABLE_NAME REGEXP '_p[0-9]+_'")
[ "$n" = 0 ] && [ "$m" = 0 ] && ok "neither run left a test table behind" || bad "left behind: $n PostgreSQL, $m MariaDB test tables"
finish
