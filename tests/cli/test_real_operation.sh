#!/usr/bin/env bash
# What a nightly job meets in its first month, through the tools, against real servers, each
# result read back with the DBMS's own client: a second database on one MariaDB server, text
# mixing 1- to 4-byte characters at every position, pre-created target columns that would
# round or cut, a missing target schema, primary keys carried, Ctrl-C while a statement waits
# on a lock, and bounded memory reading a large month from MariaDB.
# Usage: test_real_operation.sh BIN_DIR SOURCE_DIR SERVERS_ENV
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"
both_servers
maria_in() { local db=$1; shift; $maria_admin --default-character-set=utf8mb4 "$db" -N -B -e "$1"; }
maria_q() { maria_in replicate_test "$1"; }
tag="ro$$"
other_db="${tag}_other"

job() {  # job SOURCE TARGET PREFIX TABLE DATE_COLUMN [TARGET_LINES] [SOURCE_LINES]
    printf '[source]\nconnection = "%s"\n%s\n[target]\nconnection = "%s"\ntable_prefix = "%s"\n%s\n' \
        "$1" "${7:-}" "$2" "$3" "${6:-}"
    printf '[run]\nretry_attempts = 2\nretry_base_delay_ms = 100\n[[sales]]\ntable = "%s"\ndate_column = "%s"\n' "$4" "$5"
}
run() { "$bin/replicate_all_sales" --start-date 2025-01-01 --end-date 2025-02-28 "$@"; }
maria_other_conn=$(echo "$maria_conn" | sed "s/Database=replicate_test/Database=$other_db/")

# ---- text: 1- to 4-byte characters at every position, into every target ----------------------
# The values are made by sqlite3 from literal text: every character of the mix at the start,
# in the middle and at the end of strings from 1 to 40 characters, filling varchar(n) exactly.
mix=(a 'é' 'Ú' 'ß' '€' '中' '한' '😀' '𝄞' ' ')
{
    echo "CREATE TABLE T (ID integer PRIMARY KEY, D date, N nvarchar(20), V varchar(40), L text);"
    id=0
    for c in "${mix[@]}"; do
        for len in 1 2 7 19 20; do
            for pos in first middle last all; do
                id=$((id + 1))
                s=""
                for i in $(seq "$len"); do
                    case $pos in
                    first) [ "$i" = 1 ] && s+="$c" || s+="x" ;;
                    middle) [ "$i" = $(((len + 1) / 2)) ] && s+="$c" || s+="x" ;;
                    last) [ "$i" = "$len" ] && s+="$c" || s+="x" ;;
                    all) s+="$c" ;;
                    esac
                done
                echo "INSERT INTO T VALUES ($id, '2025-01-$(printf %02d $((1 + id % 28)))', '$s', '$s$s', '$s$s$s');"
            done
        done
    done
    echo "INSERT INTO T VALUES (1000, '2025-01-05', 'Último Pau-De-Arara', 'Último Pau-De-Arara', 'ÚÚÚ…âââ');"
} | sqlite3 text.db
n_text=$(sqlite3 text.db "SELECT count(*) FROM T")
sqlite3 -separator $'\t' text.db "SELECT ID, hex(N), hex(V), hex(L) FROM T ORDER BY ID" >text.expected
pg_hex() { psql_q -F $'\t' -c "SELECT \"ID\", upper(encode(convert_to(\"N\", 'UTF8'), 'hex')), upper(encode(convert_to(\"V\", 'UTF8'), 'hex')),
    upper(encode(convert_to(\"L\", 'UTF8'), 'hex')) FROM \"$1\" ORDER BY 1"; }
maria_hex() { maria_q "SELECT ID, hex(N), hex(V), hex(L) FROM \`$1\` ORDER BY 1"; }
sqlite_hex() { sqlite3 -separator $'\t' "$2" "SELECT ID, hex(N), hex(V), hex(L) FROM \"$1\" ORDER BY 1"; }
# SQLite -> each target, then each server back into the others: every driver reads and writes.
job "Driver=SQLite3;Database=$work/text.db" "$pg_conn" "${tag}_" T D >t1.toml
job "Driver=SQLite3;Database=$work/text.db" "$maria_conn" "${tag}_" T D >t2.toml
job "$pg_conn" "$maria_conn" "${tag}_pg_" "${tag}_T" D >t3.toml
job "$maria_conn" "$pg_conn" "${tag}_maria_" "${tag}_T" D >t4.toml
job "$maria_conn" "Driver=SQLite3;Database=$work/text-target.db" "" "${tag}_T" D >t5.toml
job "$pg_conn" "$maria_conn" "${tag}_pgm_" "${tag}_maria_${tag}_T" D >t6.toml
for j in t1 t2 t3 t4 t5 t6; do
    run --config $j.toml --log-level error >$j.out 2>&1 || bad "text copy $j: exit $? ($(head -c 300 $j.out))"
done
check_text() {
    if [ "$(cat got.hex)" = "$(cat text.expected)" ]; then ok "$1: all $n_text values, every byte as written"
    else bad "$1: text differs"; diff text.expected got.hex | head -4; fi
}
pg_hex "${tag}_T" >got.hex; check_text "SQLite -> PostgreSQL"
maria_hex "${tag}_T" >got.hex; check_text "SQLite -> MariaDB"
maria_hex "${tag}_pg_${tag}_T" >got.hex; check_text "PostgreSQL -> MariaDB"
pg_hex "${tag}_maria_${tag}_T" >got.hex; check_text "MariaDB -> PostgreSQL"
sqlite_hex "${tag}_T" text-target.db >got.hex; check_text "MariaDB -> SQLite"
maria_hex "${tag}_pgm_${tag}_maria_${tag}_T" >got.hex; check_text "SQLite -> MariaDB -> PostgreSQL -> MariaDB"

# ---- a second database on the same MariaDB server ------------------------------------------
# replicate_test already holds this run's tables and a ledger; the other database is empty.
$maria_admin -e "CREATE DATABASE \`$other_db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
    GRANT ALL ON \`$other_db\`.* TO 'replicate'@'127.0.0.1'; GRANT ALL ON \`$other_db\`.* TO 'replicate'@'localhost';"
[ "$(maria_q "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'replicate_test' AND table_name = 'replicate_ledger'")" = 1 ] \
    || bad "replicate_test has no ledger to mislead the next run"
# The source's table in one database, the target (same table name, no prefix) in the other.
job "$maria_conn" "$maria_other_conn" "" "${tag}_T" D >other.toml
run --config other.toml --log-level info >other.out 2>&1
code=$?
[ "$code" = 0 ] && ok "MariaDB: a run into a second database of the server exits 0" \
    || { bad "MariaDB: a run into a second database exits $code"; grep -m3 -i error other.out; }
[ "$(maria_in "$other_db" "SELECT count(*) FROM replicate_ledger")" = 2 ] \
    && ok "MariaDB: the second database got its own ledger, with this run's 2 months" \
    || bad "MariaDB: the second database's ledger: $(maria_in "$other_db" "SELECT count(*) FROM replicate_ledger" 2>&1)"
[ "$(maria_in "$other_db" "SELECT count(*) FROM \`${tag}_T\`")" = "$n_text" ] \
    && ok "MariaDB: the table was created and filled in the second database, not found in the first" \
    || bad "MariaDB: the second database's table is missing or incomplete"
[ "$(maria_in "$other_db" "SELECT count(*) FROM replicate_run")" = 1 ] && ok "MariaDB: the second database has its own run history" \
    || bad "MariaDB: run history of the second database"

# ---- pre-created targets whose columns would round, cut or overflow --------------------------
psql_q -c "DROP TABLE IF EXISTS \"${tag}_num\"; CREATE TABLE \"${tag}_num\" (\"ID\" int PRIMARY KEY, \"D\" date,
    \"AMOUNT\" numeric(18,4), \"RATIO\" double precision, \"QTY\" bigint, \"CODE\" varchar(12), \"FREE\" numeric);
    INSERT INTO \"${tag}_num\" VALUES (1, '2025-01-03', 12.3456, 0.1, 5000000000, 'ABCDEFGHIJKL', 1.25),
                                      (2, '2025-01-04', -0.0001, 1e-300, -3, 'short', 7.125)"
refuse() {  # refuse COLUMN_DDL_CHANGE WHAT: a pre-created target column that cannot hold the source
    psql_q -c "DROP TABLE IF EXISTS \"${tag}_into_${tag}_num\"; CREATE TABLE \"${tag}_into_${tag}_num\" (\"ID\" int, \"D\" date,
        \"AMOUNT\" numeric(18,4), \"RATIO\" double precision, \"QTY\" bigint, \"CODE\" varchar(12), \"FREE\" numeric(18,4))"
    psql_q -c "ALTER TABLE \"${tag}_into_${tag}_num\" $1"
    job "$pg_conn" "$pg_conn" "${tag}_into_" "${tag}_num" D >refuse.toml
    run --config refuse.toml >refuse.out 2>&1
    local code=$?
    local rows
    rows=$(psql_q -c "SELECT count(*) FROM \"${tag}_into_${tag}_num\"")
    if [ "$code" = "$3" ] && grep -q "$4" refuse.out && [ "$rows" = 0 ]; then ok "$2: exit $code, '$4' named, nothing written"
    else bad "$2: exit $code (expected $3), $rows rows written"; grep -m2 -iE "error|failed" refuse.out; fi
}
refuse 'ALTER COLUMN "AMOUNT" TYPE numeric(18,2)' "numeric(18,4) into a pre-created numeric(18,2)" 2 "AMOUNT.*scale 2 would round"
refuse 'ALTER COLUMN "RATIO" TYPE real' "double precision into a pre-created real" 2 "RATIO.*single-precision"
refuse 'ALTER COLUMN "QTY" TYPE integer' "bigint into a pre-created integer" 2 "QTY.*narrower integer"
refuse 'ALTER COLUMN "CODE" TYPE varchar(5)' "varchar(12) into a pre-created varchar(5)" 2 "CODE.*holds 5 characters"
# An unconstrained numeric source: the declared types cannot tell, the values can.
refuse 'ALTER COLUMN "FREE" TYPE numeric(18,2)' "7.125 (unconstrained numeric) into numeric(18,2)" 1 "column 'FREE': 7.125 has 3 digits after the point"
# MariaDB target sessions are strict: a longer text is an error there too, not a cut value.
maria_q "DROP TABLE IF EXISTS \`${tag}_cut_${tag}_T\`; CREATE TABLE \`${tag}_cut_${tag}_T\` (ID int, D date, N varchar(20), V varchar(40), L varchar(10))"
$maria_admin -e "SET GLOBAL sql_mode = ''"  # a lax server: only the session's mode protects the data
job "$pg_conn" "$maria_conn" "${tag}_cut_" "${tag}_T" D >cut.toml
run --config cut.toml >cut.out 2>&1
code=$?
$maria_admin -e "SET GLOBAL sql_mode = DEFAULT"
[ "$code" = 1 ] && grep -q "column 'L'" cut.out && [ "$(maria_q "SELECT count(*) FROM \`${tag}_cut_${tag}_T\` WHERE char_length(L) = 10")" = 0 ] \
    && ok "text longer than a MariaDB varchar(10) on a lax server: exit 1, column named, no cut value stored" \
    || { bad "MariaDB cut text: exit $code"; grep -m2 -i error cut.out; }

# A MariaDB tinyint(1) refreshed into a pre-created PostgreSQL boolean, through staging.
maria_q "DROP TABLE IF EXISTS \`${tag}_flags\`; CREATE TABLE \`${tag}_flags\` (ID int PRIMARY KEY, ACTIVE tinyint(1), NOTE varchar(10));
    INSERT INTO \`${tag}_flags\` VALUES (1, 1, 'a'), (2, 0, NULL), (3, NULL, 'c')"
psql_q -c "DROP TABLE IF EXISTS \"${tag}_flags\"; CREATE TABLE \"${tag}_flags\" (\"ID\" int PRIMARY KEY, \"ACTIVE\" boolean, \"NOTE\" varchar(10))"
printf '[source]\nconnection = "%s"\n[target]\nconnection = "%s"\n[[reference]]\ntable = "%s_flags"\n' "$maria_conn" "$pg_conn" "$tag" >flags.toml
"$bin/replicate_reference" --config flags.toml --full-table >flags.out 2>&1
code=$?
got=$(psql_q -c "SELECT string_agg(\"ID\" || ':' || coalesce(\"ACTIVE\"::text, 'null'), ',' ORDER BY \"ID\") FROM \"${tag}_flags\"")
[ "$code" = 0 ] && [ "$got" = "1:true,2:false,3:null" ] && ok "MariaDB tinyint(1) refreshed into a pre-created PostgreSQL boolean: $got" \
    || { bad "boolean refresh: exit $code, got '$got'"; grep -m2 -i error flags.out; }

# ---- a missing target schema; primary keys carried -----------------------------------------
job "$pg_conn" "$pg_conn" "${tag}_pk_" "${tag}_num" D 'schema = "no_such_schema"' >noschema.toml
run --config noschema.toml >noschema.out 2>&1
code=$?
[ "$code" = 2 ] && grep -q "target schema 'no_such_schema' does not exist" noschema.out && [ "$(wc -l <noschema.out)" -le 3 ] \
    && ok "a [target] schema that does not exist: exit 2 before any write, schema named" \
    || { bad "missing target schema: exit $code"; cat noschema.out | head -3; }
job "$pg_conn" "$pg_conn" "${tag}_pk_" "${tag}_num" D >pk.toml
job "$pg_conn" "$pg_conn" "${tag}_nopk_" "${tag}_num" D "primary_key = false" >nopk.toml
psql_q -c "DROP TABLE IF EXISTS \"${tag}_pk_${tag}_num\", \"${tag}_nopk_${tag}_num\""
run --config pk.toml --log-level error >/dev/null 2>&1 && run --config nopk.toml --log-level error >/dev/null 2>&1
pk() { psql_q -c "SELECT coalesce(string_agg(a.attname, ','), 'none') FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid
    AND a.attnum = ANY (i.indkey) WHERE i.indrelid = '\"$1\"'::regclass AND i.indisprimary"; }
[ "$(pk "${tag}_pk_${tag}_num")" = ID ] && ok "a created table carries the source's primary key (ID)" || bad "primary key: $(pk "${tag}_pk_${tag}_num")"
[ "$(pk "${tag}_nopk_${tag}_num")" = none ] && ok "[target] primary_key = false leaves it out" || bad "primary_key = false: $(pk "${tag}_nopk_${tag}_num")"
ix=$(psql_q -c "SELECT count(*) FROM pg_indexes WHERE tablename = '${tag}_pk_${tag}_num' AND indexdef LIKE '%(\"D\")%'")
[ "$ix" = 1 ] && ok "the date-column index is still created" || bad "date index: $ix"

# ---- a connection string that names only a DSN gets the driver options too ----------------------
# The DSN's driver is read from odbc.ini before connecting: a SQLite source that does not exist
# is an error (NoCreat=1), not a new empty database; a PostgreSQL DSN gets UseDeclareFetch.
printf '[missing_sqlite]\nDriver=SQLite3\nDatabase=%s/no-such.db\n[pg_dsn]\nDriver=PostgreSQL Unicode\nServername=127.0.0.1\nPort=%s\nDatabase=replicate_test\n' \
    "$work" "$port" >dsn.ini
job "DSN=missing_sqlite" "$pg_conn" "${tag}_dsn_" T D >dsn.toml
ODBCINI=$work/dsn.ini run --config dsn.toml >dsn.out 2>&1
code=$?
[ "$code" = 3 ] && [ ! -e "$work/no-such.db" ] && ok "DSN-only SQLite source that does not exist: exit 3, no file created" \
    || { bad "DSN-only missing SQLite source: exit $code, file $(ls "$work/no-such.db" 2>&1)"; head -2 dsn.out; }
job "DSN=pg_dsn;UID=replicate;PWD={Pg-test-pw;1}" "$pg_conn" "${tag}_dsn_" "${tag}_num" D >dsn2.toml
ODBCINI=$work/dsn.ini run --config dsn2.toml --log-level debug >dsn2.out 2>&1
code=$?
[ "$code" = 0 ] && [ "$(psql_q -c "SELECT count(*) FROM \"${tag}_dsn_${tag}_num\"")" = 2 ] \
    && ok "DSN-only PostgreSQL source: exit 0, rows copied" || { bad "DSN-only PostgreSQL: exit $code"; grep -m2 -i error dsn2.out; }
grep -q "Pg-test-pw" dsn2.out && bad "the DSN run's log shows the password" || ok "the DSN run's debug log holds no password"

# ---- Ctrl-C while a statement waits on a lock held by another session ------------------------
for kind in pg maria; do
    if [ $kind = pg ]; then target=$pg_conn; else target=$maria_conn; fi
    job "$pg_conn" "$target" "${tag}_lock_" "${tag}_num" D >lock.toml
    run --config lock.toml --log-level error >/dev/null 2>&1
    table="${tag}_lock_${tag}_num"
    rm -f holder.fifo && mkfifo holder.fifo
    if [ $kind = pg ]; then
        psql -h 127.0.0.1 -p "$port" -U replicate -d replicate_test -X -q <holder.fifo >holder.out 2>&1 &
    else
        $maria_admin --unbuffered replicate_test <holder.fifo >holder.out 2>&1 &
    fi
    holder=$!
    exec 7>holder.fifo
    if [ $kind = pg ]; then echo "BEGIN; LOCK TABLE \"$table\" IN ACCESS EXCLUSIVE MODE; SELECT 'locked';" >&7
    else echo "LOCK TABLES \`$table\` WRITE; SELECT 'locked';" >&7; fi
    for _ in $(seq 100); do grep -q locked holder.out && break; sleep 0.05; done
    "$bin/replicate_all_sales" --start-date 2025-01-01 --end-date 2025-02-28 --config lock.toml --log-level info \
        >lock.out 2>&1 7>&- &
    pid=$!
    sleep 2  # the run is now waiting on the lock
    start=$(date +%s%N)
    kill -INT $pid
    wait $pid
    code=$?
    ms=$((($(date +%s%N) - start) / 1000000))
    [ "$code" = 130 ] && [ "$ms" -lt 5000 ] && ok "$kind: Ctrl-C while waiting on a locked table: exit 130 after $ms ms" \
        || { bad "$kind: Ctrl-C under a lock: exit $code after $ms ms"; tail -n 3 lock.out; }
    if [ $kind = pg ]; then echo "COMMIT;" >&7; else echo "UNLOCK TABLES;" >&7; fi
    exec 7>&-
    wait $holder 2>/dev/null
done

# ---- the real width: 197 columns, 122 of them varchar(50) -----------------------------------------
# Like APP_4_SALESITEM. Made by psql; copied into MariaDB (where strict InnoDB refused to create
# such a table: rows could pass 8126 bytes) and into PostgreSQL; each copy read back by its
# own client and compared with psql's view of the source.
defs="\"ID\" bigint PRIMARY KEY, \"SOLD\" timestamp(3) NOT NULL"
sel="g, TIMESTAMP '2025-01-01' + g * interval '83 minutes'"
for i in $(seq 1 195); do
    case $((i % 8)) in
    0 | 1 | 2 | 3 | 4) defs+=", \"V$i\" varchar(50)"
        sel+=", CASE WHEN (g + $i) % 5 = 0 THEN NULL ELSE left('v$i-' || g || '-café-中-😀-' || repeat('x', (g * $i) % 40), 50) END" ;;
    5 | 6) defs+=", \"N$i\" numeric(16,4)"; sel+=", CASE WHEN (g + $i) % 5 = 0 THEN NULL ELSE ((g * $i) % 1000003 - 500000) / 7.0 END" ;;
    7) defs+=", \"F$i\" smallint"; sel+=", (g % 2)::smallint" ;;
    esac
done
psql_q -c "DROP TABLE IF EXISTS \"${tag}_W\"" -c "CREATE TABLE \"${tag}_W\" ($defs)" \
       -c "INSERT INTO \"${tag}_W\" SELECT $sel FROM generate_series(1, 1000) AS g"
canonical postgresql "${tag}_W" >wide.expected
for kind in maria pg; do
    if [ $kind = maria ]; then target=$maria_conn; else target=$pg_conn; fi
    job "$pg_conn" "$target" "${tag}_wide_" "${tag}_W" SOLD >wide.toml
    run --config wide.toml --log-level error >wide.out 2>&1
    code=$?
    canonical $([ $kind = maria ] && echo mariadb || echo postgresql) "${tag}_wide_${tag}_W" >wide.$kind
    [ "$code" = 0 ] && cmp -s wide.expected wide.$kind \
        && ok "$kind: a 197-column table (122 x varchar(50)) is created and copied, equal as its client reads it" \
        || { bad "$kind: the 197-column table: exit $code, copy differs: $(diff wide.expected wide.$kind | head -c 300)"; head -c 300 wide.out; }
done
maria_q "DROP TABLE IF EXISTS \`${tag}_wide_${tag}_W\`"
psql_q -c "DROP TABLE IF EXISTS \"${tag}_W\", \"${tag}_wide_${tag}_W\""

# ---- a large month from MariaDB stays in bounded memory ----------------------------------------
if [ -x /usr/bin/time ]; then
    cols=""
    for i in $(seq 1 24); do cols="$cols, concat('text value ', seq, ' ', repeat('x', $i)) AS V$i"; done
    for i in $(seq 1 10); do cols="$cols, CAST(seq * $i / 7 AS decimal(16,4)) AS D$i"; done
    maria_q "DROP TABLE IF EXISTS \`${tag}_big\`; CREATE TABLE \`${tag}_big\` (ID bigint PRIMARY KEY, SOLD datetime(3), INDEX (SOLD))
        AS SELECT seq AS ID, TIMESTAMP('2025-01-01') + INTERVAL (seq * 10) SECOND AS SOLD $cols FROM seq_1_to_520000"
    job "$maria_conn" "Driver=SQLite3;Database=$work/big.db" "" "${tag}_big" SOLD >big.toml
    /usr/bin/time -f "%M" -o big.rss "$bin/replicate_all_sales" --config big.toml --start-date 2025-01-01 --end-date 2025-02-28 \
        --max-workers 2 --log-level error >big.out 2>&1
    code=$?
    rss_kb=$(tail -n 1 big.rss)
    n=$(sqlite3 big.db "SELECT count(*) || '|' || count(DISTINCT ID) || '|' || sum(D3) FROM \"${tag}_big\"")
    want=$(maria_q "SELECT concat(count(*), '|', count(DISTINCT ID), '|', sum(D3)) FROM \`${tag}_big\` WHERE SOLD < '2025-03-01'")
    [ "$code" = 0 ] && [ "$n" = "$want" ] && ok "${want%%|*} rows of about 1 KB over 2 months from MariaDB: all there, each once (count|distinct|sum $n)" \
        || bad "large MariaDB month: exit $code, $n, expected $want"
    [ "$rss_kb" -lt $((256 * 1024)) ] && ok "peak RSS $((rss_kb / 1024)) MiB with 2 workers (bound 256 MiB; whole results took 535 MiB a month)" \
        || bad "peak RSS $((rss_kb / 1024)) MiB reading MariaDB (bound 256 MiB)"
    maria_q "DROP TABLE IF EXISTS \`${tag}_big\`"
else
    bad "/usr/bin/time is missing (package time): cannot measure peak memory"
fi

# ---- a large month from SQLite stays in bounded memory -------------------------------------------
# sqliteodbc steps through a result only when the statement has no parameters; with the range
# bound as parameters it held the whole month (345 MiB for 40,000 rows of 100 text columns).
if [ -x /usr/bin/time ]; then
    cols="ID integer PRIMARY KEY, SOLD timestamp"
    sel="value, '2025-01-01 00:00:00'"
    for i in $(seq 1 100); do cols+=", V$i varchar(50)"; sel+=", printf('%040d-$i', value)"; done
    echo "CREATE TABLE W ($cols); WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM s
          WHERE value < 40000) INSERT INTO W SELECT $sel FROM s;" | sqlite3 wide_month.db
    job "Driver=SQLite3;Database=$work/wide_month.db" "Driver=SQLite3;Database=$work/wide_copy.db" "" W SOLD >wm.toml
    /usr/bin/time -f "%M" -o wm.rss "$bin/replicate_all_sales" --config wm.toml --start-date 2025-01-01 \
        --end-date 2025-01-31 --max-workers 1 --log-level error >wm.out 2>&1
    code=$?
    rss_kb=$(tail -n 1 wm.rss)
    mb=$(( $(stat -c %s wide_month.db) / 1048576 ))
    n=$(sqlite3 wide_copy.db "SELECT count(*) || '|' || sum(length(V100)) FROM W")
    [ "$code" = 0 ] && [ "$n" = "40000|$((40000 * 44))" ] && ok "a $mb MB month from SQLite copied whole ($n)" \
        || bad "large SQLite month: exit $code, $n"
    [ "$rss_kb" -lt $((128 * 1024)) ] && ok "reading it took $((rss_kb / 1024)) MiB at peak (bound 128 MiB; the month is $mb MB)" \
        || bad "peak RSS $((rss_kb / 1024)) MiB reading a $mb MB SQLite month (bound 128 MiB)"
else
    bad "/usr/bin/time is missing (package time): cannot measure peak memory"
fi

$maria_admin -e "DROP DATABASE IF EXISTS \`$other_db\`"
finish
