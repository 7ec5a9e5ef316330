#!/usr/bin/env bash
# A source table locked by someone else, and what a run tells about its reads. The source is
# a PostgreSQL table made and locked with psql (another session's ACCESS EXCLUSIVE lock, as an
# ALTER TABLE or a TRUNCATE holds it); the target is SQLite:
# - with [source] lock_timeout = 2 the run gives up within seconds: exit 1, one line naming
#   the lock timeout (55P03) and the setting, nothing written; with lock_timeout = 0 (the DBMS's default) the
#   same run is still waiting 8 s later;
# - a lock released while the run retries: the next attempt copies every row;
# - once the lock is gone, the same command copies every row (checked with sqlite3);
# - test_connection names the source's read isolation, and the report carries it.
# Usage: test_source_locks.sh BIN_DIR SOURCE_DIR SERVERS_ENV
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"
both_servers
T="sl$$_T"
psql_q -c "CREATE TABLE \"$T\" (id int PRIMARY KEY, d date NOT NULL, note text);
           INSERT INTO \"$T\" SELECT i, date '2025-01-01' + (i % 31), 'nota ' || i FROM generate_series(1, 500) i"
job() {  # job LOCK_TIMEOUT
    printf '[source]\nconnection = "%s"\nlock_timeout = %s\n[target]\nconnection = "Driver=SQLite3;Database=%s/dw.db"\n' \
        "$pg_conn" "$1" "$work"
    printf '[run]\nretry_attempts = 2\nretry_base_delay_ms = 100\n[[sales]]\ntable = "%s"\ndate_column = "d"\n' "$T"
}
job 2 >short.toml
job 0 >forever.toml
run() { "$bin/replicate_all_sales" --config "$1" --start-date 2025-01-01 --end-date 2025-01-31 --log-level error "${@:2}"; }

# Another session holds the table: psql in the background, in a transaction, for 60 s.
psql_q -c "BEGIN; LOCK TABLE \"$T\" IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60); COMMIT" >/dev/null 2>&1 &
locker=$!
for _ in $(seq 50); do
    [ "$(psql_q -c "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = '$T' AND l.mode = 'AccessExclusiveLock' AND l.granted")" = 1 ] && break
    sleep 0.2
done
start=$(date +%s)
run short.toml >out 2>&1
code=$?
took=$(( $(date +%s) - start ))
[ "$code" = 1 ] && [ "$took" -ge 4 ] && [ "$took" -lt 20 ] && [ "$(wc -l <out)" = 1 ] && grep -q "55P03" out && grep -q "longer than \[source\] lock_timeout = 2 s" out \
    && [ ! -s dw.db -o "$(sqlite3 dw.db "SELECT count(*) FROM sqlite_master WHERE name = '$T'")" = 0 ] \
    && ok "a locked source table: lock_timeout = 2 and 2 attempts give up after ${took} s, exit 1, one line naming 55P03 and the setting, nothing written" \
    || { bad "locked source with lock_timeout = 2: exit $code after ${took} s"; cat out; }

run forever.toml >/dev/null 2>&1 &
waiting=$!
sleep 8
kill -0 "$waiting" 2>/dev/null && ok "with lock_timeout = 0 (the DBMS's default) the same run is still waiting after 8 s" \
    || bad "with lock_timeout = 0 the run ended while the table was locked"
kill "$waiting" 2>/dev/null
wait "$waiting" 2>/dev/null
kill "$locker" 2>/dev/null
wait "$locker" 2>/dev/null
psql_q -c "SELECT pg_terminate_backend(pid) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = '$T' AND l.mode = 'AccessExclusiveLock'" >/dev/null

# A lock released while the run retries: the first attempt gives up after 2 s, the second
# gets the table once the other session commits (after 3 s).
job 2 | sed 's/retry_attempts = 2/retry_attempts = 3/' >retry.toml
rm -f dw.db
psql_q -c "BEGIN; LOCK TABLE \"$T\" IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(3); COMMIT" >/dev/null 2>&1 &
for _ in $(seq 50); do
    [ "$(psql_q -c "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = '$T' AND l.mode = 'AccessExclusiveLock' AND l.granted")" = 1 ] && break
    sleep 0.1
done
"$bin/replicate_all_sales" --config retry.toml --start-date 2025-01-01 --end-date 2025-01-31 --log-level warning >out 2>&1
code=$?
[ "$code" = 0 ] && grep -q "attempt 1 failed (transient)" out \
    && [ "$(sqlite3 dw.db "SELECT count(*) FROM \"$T\"")" = 500 ] \
    && ok "a lock released during the retries: attempt 1 gives up, the next copies all 500 rows (exit 0)" \
    || { bad "lock released during retries: exit $code"; cat out; }
wait

run short.toml --report report.json >out 2>&1
code=$?
[ "$code" = 0 ] && [ "$(sqlite3 dw.db "SELECT count(*), count(DISTINCT id) FROM \"$T\"")" = "500|500" ] \
    && ok "once the lock is gone the same command copies all 500 rows (sqlite3 counts them)" \
    || { bad "after the lock: exit $code"; cat out; }
[ "$(jq -r '.source_reads.isolation + "|" + (.source_reads.locking | tostring)' report.json)" = "read committed|false" ] \
    && ok "the report says how the source was read: read committed, not locking" \
    || bad "report source_reads: $(jq -c .source_reads report.json)"

"$bin/test_connection" --config short.toml --source >out 2>&1
grep -q "\[INFO\] reads: read committed (they block none of the source's writers)" out \
    && ok "test_connection names the source's read isolation" || { bad "test_connection reads line"; cat out; }
# An isolation the tool does not know is refused, naming the ones it does.
printf '[source]\nconnection = "%s"\nisolation = "serializable"\n[target]\nconnection = "Driver=SQLite3;Database=%s/dw.db"\n[[sales]]\ntable = "%s"\ndate_column = "d"\n' \
    "$pg_conn" "$work" "$T" >bad.toml
run bad.toml >out 2>&1
code=$?
[ "$code" = 2 ] && [ "$(wc -l <out)" = 1 ] && grep -q "isolation 'serializable'" out && grep -q "auto" out \
    && ok "an unknown isolation is exit 2, one line naming it and the choices" || { bad "bad isolation: exit $code"; cat out; }

psql_q -c "DROP TABLE IF EXISTS \"$T\""
finish
