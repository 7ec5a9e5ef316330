#!/usr/bin/env bash
# Schema changes at the source, into PostgreSQL, MariaDB and SQLite targets, each result read
# with the target DBMS's own client. The source is a SQLite file changed with sqlite3:
# - a column added at the source: exit 2 naming it (on_new_column = "fail", the default), the
#   target untouched; with on_new_column = "add" the target gets the column, the run says so,
#   new rows carry its values and old rows are NULL;
# - a column dropped at the source: exit 2 naming it, whatever on_new_column says;
# - a column retyped so the target cannot hold it: exit 2 naming it;
# - a warehouse column with a DEFAULT that the source never had: used as it is.
# Usage: test_schema_change.sh BIN_DIR SOURCE_DIR SERVERS_ENV
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"
both_servers
maria_q() { $maria_admin --default-character-set=utf8mb4 replicate_test -N -B -e "$1"; }
tag="sc$$"

make_source() {  # the original source: 40 rows over January and February
    rm -f src.db
    sqlite3 src.db "CREATE TABLE T (ID integer, D date, N varchar(30));
        WITH RECURSIVE i(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM i WHERE x < 40)
        INSERT INTO T SELECT x, date('2025-01-01', '+' || ((x - 1) * 36 / 24) || ' days'), 'n' || x FROM i;"
}
job() {  # job TARGET PREFIX [TARGET_LINES]
    printf '[source]\nconnection = "Driver=SQLite3;Database=%s/src.db"\n[target]\nconnection = "%s"\ntable_prefix = "%s"\n%s\n' \
        "$work" "$1" "$2" "${3:-}"
    printf '[run]\nretry_attempts = 1\n[[sales]]\ntable = "T"\ndate_column = "D"\n'
}
run() { "$bin/replicate_all_sales" --config "$1" --start-date "$2" --end-date "$3" --log-level error; }
# on_target KIND SQL: the target's own client
on_target() {
    case $1 in
        pg) psql_q -c "$2" ;;
        maria) maria_q "$2" ;;
        sqlite) sqlite3 "$work/dw.db" "$2" ;;
    esac
}
has_column() {  # has_column KIND TABLE COLUMN -> 1 or 0
    case $1 in
        pg) psql_q -c "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '$2' AND column_name = '$3'" ;;
        maria) maria_q "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'replicate_test' AND table_name = '$2' AND column_name = '$3'" ;;
        sqlite) sqlite3 "$work/dw.db" "SELECT count(*) FROM pragma_table_info('$2') WHERE name = '$3'" ;;
    esac
}
q() { if [ "$kind" = maria ]; then echo "\`$1\`"; else echo "\"$1\""; fi; }  # quoted as $kind quotes
conn_of() { case $1 in pg) echo "$pg_conn" ;; maria) echo "$maria_conn" ;; sqlite) echo "Driver=SQLite3;Database=$work/dw.db" ;; esac; }

for kind in pg maria sqlite; do
    T="${tag}_T"
    make_source
    job "$(conn_of $kind)" "${tag}_" >fail.toml
    job "$(conn_of $kind)" "${tag}_" 'on_new_column = "add"' >add.toml
    run fail.toml 2025-01-01 2025-01-31 >/dev/null 2>&1 || bad "$kind: the first copy failed"
    n_jan=$(sqlite3 src.db "SELECT count(*) FROM T WHERE D < '2025-02-01'")
    n_feb=$(sqlite3 src.db "SELECT count(*) FROM T WHERE D >= '2025-02-01' AND D < '2025-03-01'")

    # A column added at the source.
    sqlite3 src.db "ALTER TABLE T ADD COLUMN EXTRA varchar(20); UPDATE T SET EXTRA = 'x' || ID WHERE D >= '2025-02-01'"
    run fail.toml 2025-02-01 2025-02-28 >out 2>&1
    code=$?
    [ "$code" = 2 ] && [ "$(wc -l <out)" = 1 ] && grep -q "'EXTRA'" out && grep -q 'on_new_column = "add"' out \
        && [ "$(has_column $kind "$T" EXTRA)" = 0 ] && [ "$(on_target $kind "SELECT count(*) FROM $(q "$T")")" = "$n_jan" ] \
        && ok "$kind: a column new at the source stops the run (exit 2, one line naming EXTRA and on_new_column), the target untouched" \
        || { bad "$kind: new column with on_new_column = fail: exit $code"; cat out; }
    run add.toml 2025-02-01 2025-02-28 >out 2>&1
    code=$?
    feb=$(on_target $kind "SELECT count(*) FROM $(q "$T") WHERE $(q EXTRA) LIKE 'x%'")
    jan=$(on_target $kind "SELECT count(*) FROM $(q "$T") WHERE $(q EXTRA) IS NULL")
    [ "$code" = 0 ] && [ "$(has_column $kind "$T" EXTRA)" = 1 ] && [ "$feb" = "$n_feb" ] && [ "$jan" = "$n_jan" ] \
        && grep -q "column(s) new at the source added to the target: EXTRA" out \
        && ok "$kind: on_new_column = \"add\": the target gets EXTRA, the summary says so, February's $n_feb rows carry it, January's $n_jan are NULL" \
        || { bad "$kind: on_new_column = add: exit $code, feb $feb, jan $jan"; cat out; }

    # A warehouse column with a DEFAULT, which the source never had: fine.
    case $kind in
        pg) on_target pg "ALTER TABLE \"$T\" ADD COLUMN loaded_at timestamp DEFAULT now()" ;;
        maria) on_target maria "ALTER TABLE \`$T\` ADD COLUMN loaded_at datetime DEFAULT CURRENT_TIMESTAMP" ;;
        sqlite) on_target sqlite "ALTER TABLE \"$T\" ADD COLUMN loaded_at datetime DEFAULT '2000-01-01'" ;;
    esac
    run fail.toml 2025-02-01 2025-02-28 >out 2>&1
    code=$?
    [ "$code" = 0 ] && [ "$(on_target $kind "SELECT count(*) FROM $(q "$T") WHERE loaded_at IS NOT NULL")" -ge "$n_feb" ] \
        && ok "$kind: a warehouse column with a DEFAULT is the target's own: the run goes on and fills it" \
        || { bad "$kind: a defaulted target column: exit $code"; cat out; }

    # A column dropped at the source.
    sqlite3 src.db "ALTER TABLE T DROP COLUMN N"
    run add.toml 2025-02-01 2025-02-28 >out 2>&1
    code=$?
    [ "$code" = 2 ] && [ "$(wc -l <out)" = 1 ] && grep -q "column 'N'" out && grep -q "dropped or renamed" out \
        && ok "$kind: a column dropped at the source is exit 2 naming N, even with on_new_column = \"add\"" \
        || { bad "$kind: dropped column: exit $code"; cat out; }

    # A column retyped so that the target cannot hold it: text becomes binary.
    make_source
    sqlite3 src.db "ALTER TABLE T ADD COLUMN EXTRA varchar(20); ALTER TABLE T RENAME COLUMN N TO N_OLD;
                    ALTER TABLE T ADD COLUMN N blob; UPDATE T SET N = CAST(N_OLD AS blob); ALTER TABLE T DROP COLUMN N_OLD"
    run add.toml 2025-02-01 2025-02-28 >out 2>&1
    code=$?
    [ "$code" = 2 ] && [ "$(wc -l <out)" = 1 ] && grep -q "source column N" out \
        && ok "$kind: a column retyped at the source (text to blob) is exit 2 naming N" \
        || { bad "$kind: retyped column: exit $code"; cat out; }

    case $kind in
        pg) psql_q -c "DROP TABLE IF EXISTS \"$T\"; DELETE FROM replicate_ledger WHERE table_name = '$T'" ;;
        maria) maria_q "DROP TABLE IF EXISTS \`$T\`; DELETE FROM replicate_ledger WHERE table_name = '$T'" ;;
    esac
done
finish
