#!/usr/bin/env bash
# The benchmark: libreplicate side by side with the physical limit, on a PostgreSQL source
# shaped like the real one (make_source.py: APP_4_SALES 184 columns, APP_4_SALESITEM 197,
# two ~50-column sales tables, two reference tables; 12 months).
#
#   tests/benchmark/run.sh [SCALE]        (default 1; 5 for the memory check at scale 5)
#
# With REPLICATE_BENCH_MSSQL (an ODBC connection string of a SQL Server database the benchmark
# may write into) the wide tables are also copied into SQL Server through TDS, and with
# REPLICATE_BENCH_MSSQL_STORAGE (a connection string of the PostgreSQL that stores that
# server's data, for Babelfish its own PostgreSQL port) the same rows into that storage by
# the same product, side by side; REPLICATE_BENCH_SERVER_USER (the OS user a local server runs
# as) adds the server's CPU seconds. REPLICATE_BENCH_ONLY=sqlserver runs only the pipe and
# these lines.
#
# Every line is one run: rows/s, MB/s (bytes of the binary COPY stream of the same rows), the
# ratio to the pipe of the same tables, peak RSS of the copying process(es), and whether the
# target equals the source, checked after the run with the DBMS's own clients (psql,
# mariadb, sqlite3), never with libreplicate. Not part of ctest: nothing here asserts a time.
# Starts its own PostgreSQL and MariaDB in a temporary directory and stops them at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
scale=${1:-1}
bash tests/support/install_deps.sh test
# Debian's own Python (a python3 earlier in PATH, e.g. pyenv's, lacks Debian's pyodbc).
py=/usr/bin/python3
for p in python3 python3-pyodbc bc; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null
done
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
bin=$root/build/apps

work=$(mktemp -d)
chmod 755 "$work"  # the servers run as their own users
cleanup() {
    bash tests/support/servers.sh stop "$work/srv" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
bash tests/support/servers.sh start "$work/srv"
env_file=$work/srv/servers.env
setting() { sed -n "s/^$1=//p" "$env_file"; }
pg_odbc=$(setting REPLICATE_TEST_PG)
maria_odbc=$(setting REPLICATE_TEST_MARIADB)
pg_admin=$(setting REPLICATE_TEST_PG_ADMIN)
maria_admin=$(setting REPLICATE_TEST_MARIADB_ADMIN)
# psql and pg_dump as the superuser: PGPASSWORD, PGHOST, PGPORT, PGUSER from the admin line.
export PGPASSWORD PGHOST PGPORT PGUSER=postgres
PGPASSWORD=$(sed -n 's/^PGPASSWORD=\([^ ]*\) .*/\1/p' <<<"$pg_admin")
PGHOST=$(sed -n 's/.* -h \([^ ]*\).*/\1/p' <<<"$pg_admin")
PGPORT=$(sed -n 's/.* -p \([^ ]*\).*/\1/p' <<<"$pg_admin")
export PGOPTIONS="-c client_min_messages=warning"
pg() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
maria() { eval "$maria_admin \"\$@\""; }
src_odbc=${pg_odbc/Database=replicate_test/Database=bench_src}
dst_odbc=${pg_odbc/Database=replicate_test/Database=bench_dst}
my_odbc=${maria_odbc/Database=replicate_test/Database=bench_dst}
sqlite_odbc="Driver=SQLite3;Database=$work/target.db"

pg -c "CREATE DATABASE bench_src OWNER replicate" -c "CREATE DATABASE bench_dst OWNER replicate"
maria -e "CREATE DATABASE bench_dst CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
          GRANT ALL ON bench_dst.* TO 'replicate'@'127.0.0.1';
          GRANT ALL ON bench_dst.* TO 'replicate'@'localhost';"
echo "generating the source at scale $scale ..." >&2
start=$(date +%s)
"$py" tests/benchmark/make_source.py "$scale" | pg -d bench_src
pg -d bench_src -c "GRANT SELECT ON ALL TABLES IN SCHEMA public TO replicate"
echo "generated in $(($(date +%s) - start)) s" >&2

wide=(APP_4_SALES APP_4_SALESITEM)
narrow=(APP_4_PAYMENT APP_4_VOIDSALESITEM)
first=2024-11-01 last=2025-10-31

# The rows and binary COPY bytes of a table set over the year (also warms the cache for all).
rows_of() { local n=0 t; for t in "$@"; do n=$((n + $(pg -d bench_src -At -c "SELECT count(*) FROM \"$t\""))); done; echo $n; }
bytes_of() {
    local n=0 t
    for t in "$@"; do
        n=$((n + $(pg -d bench_src -c "\\copy \"$t\" TO STDOUT (FORMAT binary)" | wc -c)))
    done
    echo $n
}

# ---- verification with the DBMS's own clients ----------------------------------------------
# PostgreSQL target: the text COPY of every row, in key order, on both sides.
# RANGE ("lo hi", optional) limits the source side to the copied days.
pg_dump_rows() {  # database table [range]
    local where=""
    [ -n "${3:-}" ] && where="WHERE \"SALES_DATE\" >= '${3% *}' AND \"SALES_DATE\" < '${3#* }'"
    pg -d "$1" -c "\\copy (SELECT * FROM \"$2\" $where ORDER BY \"ID\") TO STDOUT" | sha256sum
}
verify() {  # target(pg|pg-pipe|mariadb|sqlite) tables...   (RANGE="lo hi" for part of a year)
    local kind=$1 t
    shift
    for t in "$@"; do
        local want got
        case $kind in
        pg) want=$(pg_dump_rows bench_src "$t" "${RANGE:-}"); got=$(pg_dump_rows bench_dst "com_5013_$t") ;;
        pg-pipe) want=$(pg_dump_rows bench_src "$t"); got=$(pg_dump_rows bench_dst "pipe_$t") ;;
        mariadb | sqlite)
            local dbms=$kind
            [ "$kind" = sqlite ] && dbms="sqlite:$work/target.db"
            want=$(REPLICATE_TEST_PG=$src_odbc bash tests/support/canonical.sh "$env_file" postgresql "$t" public | sha256sum)
            got=$(REPLICATE_TEST_MARIADB=$my_odbc bash tests/support/canonical.sh "$env_file" "$dbms" "com_5013_$t" | sha256sum)
            ;;
        esac
        [ "$want" = "$got" ] || { echo "NO ($t)"; return; }
    done
    echo yes
}

reset_targets() {
    local t
    for t in "${wide[@]}" "${narrow[@]}" APP_4_ITEM LOCATION_DETAIL; do
        pg -d bench_dst -c "DROP TABLE IF EXISTS \"com_5013_$t\", \"pipe_$t\"" 2>/dev/null
        maria -D bench_dst -e "DROP TABLE IF EXISTS \`com_5013_$t\`"
    done
    pg -d bench_dst -c "DROP TABLE IF EXISTS replicate_ledger, replicate_run"
    maria -D bench_dst -e "DROP TABLE IF EXISTS replicate_ledger, replicate_run"
    rm -f "$work/target.db"
}

printf '%-52s %9s %8s %9s %7s %8s %9s %6s\n' run rows seconds rows/s MB/s "vs pipe" "RSS MiB" equal
line() {  # name rows seconds bytes pipe_rate rss_kb equal
    local rate mbs ratio
    rate=$(echo "$2 / $3" | bc -l)
    mbs=$(echo "$4 / $3 / 1048576" | bc -l)
    ratio=-
    [ -n "$5" ] && ratio=$(printf '%.2f' "$(echo "$rate / $5" | bc -l)")
    printf '%-52s %9d %8.2f %9.0f %7.1f %8s %9.0f %6s\n' "$1" "$2" "$3" "$rate" "$mbs" "$ratio" \
        "$(echo "$6 / 1024" | bc -l)" "$7"
}

# (1) The physical limit: psql's binary \copy out piped into psql's \copy in, per table and
# month, two months at once.
pipe() {  # tables...
    reset_targets
    local t jobs=$work/pipe_jobs
    : >"$jobs"
    for t in "$@"; do
        # The same table as the source (columns, primary key, date index), named pipe_T.
        pg_dump -s -O -x -t "\"$t\"" bench_src | sed "s/\"$t\"/\"pipe_$t\"/g" |
            pg -d bench_dst >/dev/null
        local lo=$first
        while [[ $lo < $last ]]; do
            local hi
            hi=$(date -d "$lo + 1 month" +%F)
            echo "$t $lo $hi" >>"$jobs"
            lo=$hi
        done
    done
    : >"$work/pipe_rss"
    cat >"$work/pipe_one.sh" <<'ONE'
t=$1 lo=$2 hi=$3
/usr/bin/time -a -o "$PIPE_RSS" -f %M psql -X -q -d bench_src -c "\\copy (SELECT * FROM \"$t\" WHERE \"SALES_DATE\" >= '$lo' AND \"SALES_DATE\" < '$hi') TO STDOUT (FORMAT binary)" |
    /usr/bin/time -a -o "$PIPE_RSS" -f %M psql -X -q -d bench_dst -c "\\copy \"pipe_$t\" FROM STDIN (FORMAT binary)"
ONE
    local s e
    s=$(date +%s.%N)
    xargs -P 2 -L 1 bash "$work/pipe_one.sh" <"$jobs"
    e=$(date +%s.%N)
    echo "$(echo "$e - $s" | bc -l) $(sort -n "$work/pipe_rss" | tail -1)"
}
export PIPE_RSS=$work/pipe_rss

job() {  # source_odbc source_schema target_odbc target_schema workers data_path tables...
    local src=$1 src_schema=$2 dst=$3 dst_schema=$4 workers=$5 path=$6 t
    shift 6
    {
        printf '[source]\nconnection = "%s"\nschema = "%s"\ndata_path = "%s"\n' "$src" "$src_schema" "$path"
        printf '[target]\nconnection = "%s"\nschema = "%s"\ntable_prefix = "com_5013_"\ndata_path = "%s"\n' \
            "$dst" "$dst_schema" "$path"
        printf '[run]\nmax_workers = %s\n' "$workers"
        for t in "$@"; do
            printf '[[sales]]\ntable = "%s"\ndate_column = "SALES_DATE"\n' "$t"
        done
    } >"$work/job.toml"
}

product() {  # from to: runs replicate_all_sales on $work/job.toml; prints "seconds rss_kb"
    local s e
    s=$(date +%s.%N)
    /usr/bin/time -o "$work/rss" -f %M "$bin/replicate_all_sales" --config "$work/job.toml" \
        --start-date "$1" --end-date "$2" --log-level error >"$work/out" 2>&1 ||
        { cat "$work/out" >&2; echo "benchmark: a run failed" >&2; exit 1; }
    e=$(date +%s.%N)
    echo "$(echo "$e - $s" | bc -l) $(tail -1 "$work/rss")"
}

# (6) SQL Server through TDS (parameter arrays), beside the same server's own storage.
# cpu_of USER: the CPU seconds (user + system) the processes of USER have used so far.
cpu_of() {
    local total=0 pid
    for pid in $(pgrep -u "$1" 2>/dev/null); do
        total=$((total + $(awk '{print $14 + $15 + $16 + $17}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
    done
    echo "$(echo "$total / $(getconf CLK_TCK)" | bc -l)"
}
# timed_product: runs replicate_all_sales on $work/job.toml over the year; sets secs, rss, cpu
# (the client's user + system seconds) and server (the local server's CPU seconds, or -).
timed_product() {
    local s0=0 st et cu cs
    [ -n "${REPLICATE_BENCH_SERVER_USER:-}" ] && s0=$(cpu_of "$REPLICATE_BENCH_SERVER_USER")
    st=$(date +%s.%N)
    /usr/bin/time -o "$work/rss" -f "%M %U %S" "$bin/replicate_all_sales" --config "$work/job.toml" \
        --start-date "$first" --end-date "$last" --log-level error >"$work/out" 2>&1 || { cat "$work/out" >&2; exit 1; }
    et=$(date +%s.%N)
    secs=$(echo "$et - $st" | bc -l)
    read -r rss cu cs <"$work/rss"
    cpu=$(echo "$cu + $cs" | bc -l)
    server=-
    [ -n "${REPLICATE_BENCH_SERVER_USER:-}" ] && server=$(printf '%.1f' "$(echo "$(cpu_of "$REPLICATE_BENCH_SERVER_USER") - $s0" | bc -l)")
}
where_time_went() { printf '%-52s client CPU %.1f s, server CPU %s s, wall %.1f s\n' "    where the time went" "$cpu" "$server" "$secs"; }
sqlserver_lines() {  # tables...
    local tables=("$@") rows bytes secs rss cpu server ms=$REPLICATE_BENCH_MSSQL store=${REPLICATE_BENCH_MSSQL_STORAGE:-}
    local equal want got t ms_rate store_rate
    rows=$(rows_of "${tables[@]}")
    bytes=$(bytes_of "${tables[@]}")
    for t in "${tables[@]}"; do
        REPLICATE_TEST_MSSQL=$ms bash tests/support/canonical.sh "$env_file" sqlserver --sql "IF OBJECT_ID(N'com_5013_$t', N'U') IS NOT NULL DROP TABLE [com_5013_$t]; IF OBJECT_ID(N'replicate_ledger', N'U') IS NOT NULL DELETE FROM replicate_ledger WHERE table_name = N'com_5013_$t'" >/dev/null
    done
    job "$src_odbc" public "$ms" "" 2 auto "${tables[@]}"
    timed_product
    equal=yes
    for t in "${tables[@]}"; do
        want=$(REPLICATE_TEST_PG=$src_odbc bash tests/support/canonical.sh "$env_file" postgresql "$t" public | sha256sum)
        got=$(REPLICATE_TEST_MSSQL=$ms bash tests/support/canonical.sh "$env_file" sqlserver "com_5013_$t" | sha256sum)
        [ "$want" = "$got" ] || equal="NO ($t)"
    done
    ms_rate=$(echo "$rows / $secs" | bc -l)
    line "(6) PostgreSQL->SQL Server (TDS, parameter arrays), 2 workers" "$rows" "$secs" "$bytes" "" "$rss" "$equal"
    where_time_went
    # Nothing of the benchmark stays in the user's SQL Server database.
    for t in "${tables[@]}"; do
        REPLICATE_TEST_MSSQL=$ms bash tests/support/canonical.sh "$env_file" sqlserver --sql "IF OBJECT_ID(N'com_5013_$t', N'U') IS NOT NULL DROP TABLE [com_5013_$t]; DELETE FROM replicate_ledger WHERE table_name = N'com_5013_$t'" >/dev/null
    done
    [ -n "$store" ] || return 0
    # The same rows, by the same product, into the PostgreSQL that stores that server's data.
    local store_psql=${REPLICATE_BENCH_MSSQL_STORAGE_PSQL:-}
    job "$src_odbc" public "$store" bench_store 2 auto "${tables[@]}"
    [ -n "$store_psql" ] && eval "$store_psql -q -c 'DROP SCHEMA IF EXISTS bench_store CASCADE; CREATE SCHEMA bench_store'"
    timed_product
    equal=-
    if [ -n "$store_psql" ]; then
        equal=yes
        for t in "${tables[@]}"; do
            want=$(pg_dump_rows bench_src "$t")
            got=$(eval "$store_psql -c '\\copy (SELECT * FROM bench_store.\"com_5013_$t\" ORDER BY \"ID\") TO STDOUT'" | sha256sum)
            [ "$want" = "$got" ] || equal="NO ($t)"
        done
    fi
    store_rate=$(echo "$rows / $secs" | bc -l)
    line "(6) the same rows into that server's storage (libpq)" "$rows" "$secs" "$bytes" "" "$rss" "$equal"
    where_time_went
    printf '%-52s %.3f\n' "(6) TDS rows/s over the storage's rows/s" "$(echo "$ms_rate / $store_rate" | bc -l)"
}

if [ "${REPLICATE_BENCH_ONLY:-}" = sqlserver ]; then
    [ -n "${REPLICATE_BENCH_MSSQL:-}" ] || { echo "benchmark: REPLICATE_BENCH_ONLY=sqlserver needs REPLICATE_BENCH_MSSQL" >&2; exit 2; }
    rows=$(rows_of "${wide[@]}")
    echo "-- ${wide[*]} (184/197-column): $rows rows"
    sqlserver_lines "${wide[@]}"
    exit 0
fi

for set in wide narrow; do
    if [ $set = wide ]; then tables=("${wide[@]}"); label="184/197-column"; else tables=("${narrow[@]}"); label="48/52-column"; fi
    rows=$(rows_of "${tables[@]}")
    bytes=$(bytes_of "${tables[@]}")
    echo "-- ${tables[*]} ($label): $rows rows, $((bytes / 1048576)) MiB as binary COPY"
    read -r secs rss < <(pipe "${tables[@]}")
    pipe_rate=$(echo "$rows / $secs" | bc -l)
    line "(1) binary \\copy pipe, 2 months at once" "$rows" "$secs" "$bytes" "$pipe_rate" "$rss" \
        "$(verify pg-pipe "${tables[@]}")"
    for w in 2 1; do
        reset_targets
        job "$src_odbc" public "$dst_odbc" public "$w" auto "${tables[@]}"
        read -r secs rss < <(product "$first" "$last")
        line "(2) PostgreSQL->PostgreSQL, $w worker(s)" "$rows" "$secs" "$bytes" "$pipe_rate" "$rss" \
            "$(verify pg "${tables[@]}")"
    done
    reset_targets
    job "$src_odbc" public "$dst_odbc" public 2 odbc "${tables[@]}"
    read -r secs rss < <(product "$first" "$last")
    line "    the same through ODBC only (data_path = odbc)" "$rows" "$secs" "$bytes" "$pipe_rate" "$rss" \
        "$(verify pg "${tables[@]}")"
    if [ $set = wide ]; then
        # The reference tables, full refresh (staging, then one swap transaction), 2 workers.
        reset_targets
        job "$src_odbc" public "$dst_odbc" public 2 auto
        printf '[[reference]]\ntable = "APP_4_ITEM"\n[[reference]]\ntable = "LOCATION_DETAIL"\n' >>"$work/job.toml"
        ref_rows=$(rows_of APP_4_ITEM LOCATION_DETAIL)
        s=$(date +%s.%N)
        /usr/bin/time -o "$work/rss" -f %M "$bin/replicate_reference" --config "$work/job.toml" --full-table \
            --log-level error >"$work/out" 2>&1 || { cat "$work/out" >&2; exit 1; }
        e=$(date +%s.%N)
        line "(2) reference tables, full refresh (60+24 columns)" "$ref_rows" "$(echo "$e - $s" | bc -l)" \
            "$(bytes_of APP_4_ITEM LOCATION_DETAIL)" "" "$(tail -1 "$work/rss")" "$(verify pg APP_4_ITEM LOCATION_DETAIL)"
        reset_targets
        job "$src_odbc" public "$sqlite_odbc" "" 2 auto "${tables[@]}"
        read -r secs rss < <(product "$first" "$last")
        line "(3) PostgreSQL->SQLite, 2 workers" "$rows" "$secs" "$bytes" "$pipe_rate" "$rss" \
            "$(verify sqlite "${tables[@]}")"
        # The SQLite copy just verified is the next run's source.
        cp "$work/target.db" "$work/source.db"
        rm -f "$work/target.db"
        pg -d bench_dst -c "DROP TABLE IF EXISTS \"com_5013_APP_4_SALES\", \"com_5013_APP_4_SALESITEM\", replicate_ledger, replicate_run"
        {
            printf '[source]\nconnection = "Driver=SQLite3;Database=%s"\nschema = ""\n' "$work/source.db"
            printf '[target]\nconnection = "%s"\nschema = "public"\ntable_prefix = ""\n[run]\nmax_workers = 2\n' "$dst_odbc"
            for t in "${tables[@]}"; do printf '[[sales]]\ntable = "com_5013_%s"\ndate_column = "SALES_DATE"\n' "$t"; done
        } >"$work/job.toml"
        read -r secs rss < <(product "$first" "$last")
        line "(3) SQLite->PostgreSQL, 2 workers" "$rows" "$secs" "$bytes" "$pipe_rate" "$rss" \
            "$(verify pg "${tables[@]}")"
        reset_targets
        job "$src_odbc" public "$my_odbc" bench_dst 2 auto "${tables[@]}"
        read -r secs rss < <(product "$first" "$last")
        line "(3) PostgreSQL->MariaDB, 2 workers" "$rows" "$secs" "$bytes" "$pipe_rate" "$rss" \
            "$(verify mariadb "${tables[@]}")"
        # (5) The previous tool's data path, re-created in Python.
        reset_targets
        job "$src_odbc" public "$dst_odbc" public 2 auto "${tables[@]}"
        product 2024-11-01 2024-11-01 >/dev/null  # creates the target tables
        pg -d bench_dst -c "TRUNCATE \"com_5013_APP_4_SALES\", \"com_5013_APP_4_SALESITEM\""
        s=$(date +%s.%N)
        /usr/bin/time -o "$work/rss" -f %M "$py" tests/benchmark/previous_tool.py "$src_odbc" \
            "$dst_odbc" "$first" "$last" 2 APP_4_SALES:SALES_DATE APP_4_SALESITEM:SALES_DATE >/dev/null
        e=$(date +%s.%N)
        line "(5) previous tool re-created (pyodbc), 2 threads" "$rows" "$(echo "$e - $s" | bc -l)" \
            "$bytes" "$pipe_rate" "$(tail -1 "$work/rss")" "$(verify pg "${tables[@]}")"
        [ -n "${REPLICATE_BENCH_MSSQL:-}" ] && sqlserver_lines "${tables[@]}"
    fi
done

# (4) The nightly shape: one day of every sales table, 2 workers. The tables share the worker
# budget, so the run should take about as long as its largest table, not the sum of all.
all=("${wide[@]}" "${narrow[@]}")
day=2025-06-15
echo "-- the nightly shape: one day ($day) of ${#all[@]} sales tables, 2 workers"
reset_targets
job "$src_odbc" public "$dst_odbc" public 2 auto "${all[@]}"
read -r secs rss < <(product "$day" "$day")
n=$(awk '/^total/ {print $5}' "$work/out")
printf '%-52s %9d %8.2f %9.0f %7s %8s %9.0f %6s\n' "(4) nightly: all ${#all[@]} tables in one run" "$n" "$secs" \
    "$(echo "$n / $secs" | bc -l)" - - "$(echo "$rss / 1024" | bc -l)" \
    "$(RANGE="$day $(date -d "$day + 1 day" +%F)" verify pg "${all[@]}")"
sum=0 largest=0
for t in "${all[@]}"; do
    reset_targets
    job "$src_odbc" public "$dst_odbc" public 2 auto "$t"
    read -r secs rss < <(product "$day" "$day")
    sum=$(echo "$sum + $secs" | bc -l)
    largest=$(echo "if ($secs > $largest) $secs else $largest" | bc -l)
done
printf '%-52s %9s %8.2f\n' "(4) the same tables, one run each: the largest" - "$largest"
printf '%-52s %9s %8.2f\n' "(4) the same tables, one run each: their sum" - "$sum"
echo "seconds are wall-clock, process start to exit (connect, checks and DDL included)."
