#!/usr/bin/env bash
# Command-line contract of the three tools: help/version, exit codes, one-line errors,
# the demo end to end, masking. Usage: test_tools.sh BIN_DIR SOURCE_DIR
set -u
bin=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
listener=${3:+$(cd "$(dirname "$3")" && pwd)/$(basename "$3")}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
passed=0
failed=0

ok() { passed=$((passed + 1)); echo "ok   - $1"; }
bad() { failed=$((failed + 1)); echo "FAIL - $1"; }

# expect CODE NAME CMD...: runs CMD, checks its exit code; output in $work/out, $work/err.
expect() {
    local want=$1 name=$2
    shift 2
    "$@" >out 2>err
    local got=$?
    if [ "$got" = "$want" ]; then ok "$name (exit $got)"; else
        bad "$name: exit $got, wanted $want"; sed 's/^/    | /' err | head -5; fi
}
# contains FILE TEXT NAME
contains() { if grep -qF -- "$2" "$1"; then ok "$3"; else bad "$3: '$2' not in $1"; sed 's/^/    | /' "$1" | head -5; fi; }
matches() { if grep -qE -- "$2" "$1"; then ok "$3"; else bad "$3: /$2/ not in $1"; sed 's/^/    | /' "$1" | head -8; fi; }
lacks() { if grep -qF -- "$2" "$1"; then bad "$3: '$2' found in $1"; else ok "$3"; fi; }
one_line() { if [ "$(wc -l <"$1")" = 1 ]; then ok "$2: one line"; else bad "$2: $(wc -l <"$1") lines"; cat "$1"; fi; }

mkdir demo
sqlite3 demo/source.db <"$src/examples/demo/make_source.sql" >/dev/null
cp "$src/examples/demo/demo.toml" job.toml
target_sum() { [ -f demo/target.db ] && sqlite3 demo/target.db .dump | md5sum || echo "no target"; }

for tool in replicate_all_sales replicate_reference test_connection; do
    expect 0 "$tool --help" "$bin/$tool" --help
    contains out "Usage: $tool" "$tool --help shows usage"
    contains out "--config" "$tool --help lists --config"
    expect 0 "$tool --version" "$bin/$tool" --version
    contains out "libreplicate" "$tool --version names the library"
    expect 2 "$tool without --config" "$bin/$tool"
    one_line err "$tool without --config"
    expect 2 "$tool with an unknown option" "$bin/$tool" --config job.toml --bogus
    expect 2 "$tool with a missing job file" "$bin/$tool" --config nope.toml
    contains err "nope.toml" "$tool names the missing job file"
done

expect 0 "test_connection on the demo" "$bin/test_connection" --config job.toml
contains out "all checks passed" "test_connection reports success"
contains out "APP_4_SALESITEM" "test_connection checks each table"
sed 's|Database=demo/source.db|Database=/nonexistent/dir/source.db|' job.toml >unreachable.toml
expect 3 "test_connection on an unreachable source" "$bin/test_connection" --config unreachable.toml --source
contains out "[FAIL]" "test_connection marks the failure"
sed 's|APP_4_VOUCHER"|APP_4_VOUCHERS"|' job.toml >missing.toml
expect 2 "test_connection with a table missing in the source" "$bin/test_connection" --config missing.toml --source

before=$(target_sum)
expect 2 "bad start date" "$bin/replicate_all_sales" --config job.toml --start-date 2025-13-01 --end-date 2025-12-31
one_line err "bad start date"
contains err "2025-13-01" "bad date is named"
expect 2 "end before start" "$bin/replicate_all_sales" --config job.toml --start-date 2025-10-31 --end-date 2025-10-01
expect 2 "--max-workers 0" "$bin/replicate_all_sales" --config job.toml --start-date 2025-10-01 --end-date 2025-10-31 --max-workers 0
expect 2 "--max-workers 100000" "$bin/replicate_all_sales" --config job.toml --start-date 2025-10-01 --end-date 2025-10-31 --max-workers 100000
expect 2 "unknown --table" "$bin/replicate_all_sales" --config job.toml --start-date 2025-10-01 --end-date 2025-10-31 --table APP_4_NOPE
contains err "APP_4_NOPE" "unknown table is named"
expect 3 "unreachable source" "$bin/replicate_all_sales" --config unreachable.toml --start-date 2025-10-01 --end-date 2025-10-31
expect 2 "table missing in the source" "$bin/replicate_all_sales" --config missing.toml --start-date 2025-10-01 --end-date 2025-10-31
printf '[source\nconnection = 1\n' >broken.toml
expect 2 "invalid TOML" "$bin/replicate_all_sales" --config broken.toml --start-date 2025-10-01 --end-date 2025-10-31
one_line err "invalid TOML"
expect 2 "replicate_reference without --full-table" "$bin/replicate_reference" --config job.toml
sed 's|^table_prefix = |tabel_prefix = |' job.toml >unknown_key.toml
expect 2 "an unknown key" "$bin/replicate_all_sales" --config unknown_key.toml --start-date 2025-10-01 --end-date 2025-10-31
contains err "tabel_prefix" "the unknown key is named"
sed 's|date_column = "DATE__ISSUE_DATE"|date_column = "DATE__ISSUED"|' job.toml >nodate.toml
expect 2 "a date column that does not exist" "$bin/replicate_all_sales" --config nodate.toml --start-date 2025-10-01 --end-date 2025-10-31
contains err "DATE__ISSUED" "the missing date column is named"
sed 's|date_column = "DATE__ISSUE_DATE"|date_column = "FACE_VALUE"|' job.toml >notdate.toml
expect 2 "a date column that is not a date" "$bin/replicate_all_sales" --config notdate.toml --start-date 2025-10-01 --end-date 2025-10-31
contains err "not a date" "the error says the column is not a date"
one_line err "a date column that is not a date"
[ "$(target_sum)" = "$before" ] && ok "bad input left the target as it was" || bad "bad input changed the target"

expect 0 "two months of sales" "$bin/replicate_all_sales" --config job.toml --start-date 2025-02-01 --end-date 2025-03-31 --max-workers 2
contains out "APP_4_SALESITEM" "summary lists the tables"
contains out "total" "summary has a total"
n=$(sqlite3 demo/target.db "select count(*) from com_5013_APP_4_SALES")
m=$(sqlite3 demo/source.db "select count(*) from APP_4_SALES where DATETIME__SALES_DATE >= '2025-02-01' and DATETIME__SALES_DATE < '2025-04-01'")
[ "$n" = "$m" ] && ok "copied exactly Feb and Mar ($n sales)" || bad "copied $n sales, source has $m"
h=$(sqlite3 demo/target.db "select status || ':' || partitions_ok || ':' || partitions_failed || ':' || (finished_at is not null) || ':' || (command like '%replicate_all_sales --config job.toml%') from replicate_run order by rowid desc limit 1")
[ "$h" = "ok:20:0:1:1" ] && ok "the run history records the run (status, 20 partitions, command line)" || bad "run history: '$h'"
expect 0 "the same range with --resume" "$bin/replicate_all_sales" --config job.toml --start-date 2025-02-01 --end-date 2025-03-31 --resume
matches out "^APP_4_SALES +0 +0 +2 " "--resume skipped both months"
expect 0 "--table subset" "$bin/replicate_all_sales" --config job.toml --start-date 2025-04-01 --end-date 2025-04-30 --table APP_4_VOUCHER
lacks out "APP_4_SALESITEM" "--table copies only the named table"
expect 0 "reference refresh" "$bin/replicate_reference" --config job.toml --full-table
n=$(sqlite3 demo/target.db "select count(*) from com_5013_APP_4_ITEM")
[ "$n" = 2000 ] && ok "reference table refreshed (2000 items)" || bad "reference table has $n rows"

# A target column that cannot hold the source's values: exit 2 before anything is written.
sqlite3 demo/target.db "DROP TABLE IF EXISTS com_5013_APP_4_VOIDSALESITEM; CREATE TABLE com_5013_APP_4_VOIDSALESITEM (VOID_ID bigint, SALES_ID bigint, ITEM_ID int,
    DATETIME__VOID_DATE datetime, QTY decimal(16,4), AMOUNT decimal(16,4), REASON integer, VOIDED_BY varchar(20), ROWVERSION binary(8))"
before=$(target_sum)
expect 2 "an incompatible target column" "$bin/replicate_all_sales" --config job.toml --start-date 2025-10-01 --end-date 2025-10-31
contains err "REASON" "the incompatible column is named"
one_line err "incompatible column"
[ "$(target_sum)" = "$before" ] && ok "the incompatible column left the target as it was" || bad "the target changed"
sqlite3 demo/target.db "DROP TABLE com_5013_APP_4_VOIDSALESITEM"

# Names that try to be SQL are quoted, never executed.
sqlite3 demo/source.db "CREATE TABLE \"evil\"\"; DROP TABLE canary; --\" (\"id\" int, \"co\"\"l;]\" varchar(10), \"d\"\"t\" datetime);
    INSERT INTO \"evil\"\"; DROP TABLE canary; --\" VALUES (1, 'a', '2025-10-05 10:00:00.000'), (2, 'b', '2025-10-06 11:00:00.000')"
sqlite3 demo/target.db "CREATE TABLE canary (x int); INSERT INTO canary VALUES (42)"
cat >evil.toml <<'TOML'
[source]
connection = "Driver=SQLite3;Database=demo/source.db"
[target]
connection = "Driver=SQLite3;Database=demo/target.db"
table_prefix = "x]\";"
[[sales]]
table = "evil\"; DROP TABLE canary; --"
date_column = "d\"t"
TOML
expect 0 "names with quotes, semicolons and brackets" "$bin/replicate_all_sales" --config evil.toml --start-date 2025-10-01 --end-date 2025-10-31
n=$(sqlite3 demo/target.db "select count(*) from canary")
[ "$n" = 1 ] && ok "the canary table survived: nothing was executed from a name" || bad "the canary table is gone"
n=$(sqlite3 demo/target.db "select count(*) from \"x]\"\";evil\"\"; DROP TABLE canary; --\"")
[ "$n" = 2 ] && ok "the oddly named table was copied under its quoted name" || bad "the oddly named table has '$n' rows"

# A host that accepts connections and never answers: connect_timeout is honoured, exit 3.
if [ -n "$listener" ]; then
    "$listener" 20 >port.txt &
    for _ in $(seq 50); do [ -s port.txt ] && break; sleep 0.1; done
    lport=$(cat port.txt)
    printf '[source]\nconnection = "Driver={PostgreSQL Unicode};Server=127.0.0.1;Port=%s;Database=x;UID=u;PWD=pw"\nconnect_timeout = 2\n[target]\nconnection = "Driver=SQLite3;Database=demo/target.db"\n[[sales]]\ntable = "APP_4_SALES"\ndate_column = "DATETIME__SALES_DATE"\n' "$lport" >silent.toml
    start=$(date +%s)
    expect 3 "a source that never answers" "$bin/replicate_all_sales" --config silent.toml --start-date 2025-10-01 --end-date 2025-10-31
    took=$(( $(date +%s) - start ))
    [ "$took" -ge 2 ] && [ "$took" -le 5 ] && ok "connect_timeout = 2 honoured (${took} s)" || bad "connect_timeout took ${took} s"
    contains err "connect_timeout" "the error names the setting"
    one_line err "connect timeout error"
fi

# Rows with a NULL date belong to no month: counted and warned about, or copied on request.
sqlite3 demo/source.db "INSERT INTO APP_4_VOUCHER (VOUCHER_ID, VOUCHER_CODE, DATE__ISSUE_DATE) VALUES (-1, 'UNDATED1', NULL), (-2, 'UNDATED2', NULL)"
expect 0 "a range copy with NULL-dated rows" "$bin/replicate_all_sales" --config job.toml --start-date 2025-04-01 --end-date 2025-04-30 --table APP_4_VOUCHER
contains out "WARNING: APP_4_VOUCHER has 2 row(s) with a NULL date column" "NULL-dated rows are counted and warned about"
n=$(sqlite3 demo/target.db "select count(*) from com_5013_APP_4_VOUCHER where DATE__ISSUE_DATE is null")
[ "$n" = 0 ] && ok "NULL-dated rows are not copied by default" || bad "$n NULL-dated rows copied without the flag"
expect 0 "--include-null-dates" "$bin/replicate_all_sales" --config job.toml --start-date 2025-04-01 --end-date 2025-04-30 --table APP_4_VOUCHER --include-null-dates
contains out "2 row(s) with a NULL date column copied" "the summary says they were copied"
expect 0 "--include-null-dates again" "$bin/replicate_all_sales" --config job.toml --start-date 2025-04-01 --end-date 2025-04-30 --table APP_4_VOUCHER --include-null-dates
n=$(sqlite3 demo/target.db "select count(*) from com_5013_APP_4_VOUCHER where DATE__ISSUE_DATE is null")
[ "$n" = 2 ] && ok "NULL-dated rows copied once, not doubled by a rerun" || bad "$n NULL-dated rows in the target"
n=$(sqlite3 demo/target.db "select count(*) from replicate_ledger where table_name = 'com_5013_APP_4_VOUCHER' and range_lo = 'NULL'")
[ "$n" = 1 ] && ok "the NULL-dates partition is in the ledger" || bad "$n ledger rows for NULL dates"

# Secrets: a password in the connection string is masked in --print-config and never printed.
cat >secret.toml <<TOML
[source]
connection = "Driver=SQLite3;Database=demo/source.db;PWD=\${DEMO_SECRET}"
[target]
connection = "Driver=SQLite3;Database=/nonexistent/dir/t.db;Password={Sw0rdf1sh;x}"
[[sales]]
table = "APP_4_SALES"
date_column = "DATETIME__SALES_DATE"
TOML
echo "DEMO_SECRET=hunter2-secret" >.env
expect 0 "--print-config" "$bin/replicate_all_sales" --config secret.toml --print-config
contains out "PWD=***" "--print-config masks PWD"
lacks out "hunter2-secret" "--print-config hides the password from .env"
lacks out "Sw0rdf1sh" "--print-config hides a braced password"
expect 3 "unreachable target with a password" "$bin/test_connection" --config secret.toml --log-level trace
cat out err >all
lacks all "hunter2-secret" "no password in test_connection output"
lacks all "Sw0rdf1sh" "no braced password in test_connection output"
rm .env
expect 2 "missing \${VAR}" "$bin/replicate_all_sales" --config secret.toml --start-date 2025-10-01 --end-date 2025-10-31
contains err "DEMO_SECRET" "missing variable is named"

# Token, AccessToken and ClientSecret are masked like passwords (Azure AD and OAuth logins).
cat >tokens.toml <<'TOML'
[source]
connection = "Driver=SQLite3;Database=demo/source.db;Token=tok-SECRET-1;AccessToken={acc;SECRET-2}"
[target]
connection = "Driver=SQLite3;Database=/nonexistent/dir/t.db;ClientSecret=cs-SECRET-3;Authentication=ActiveDirectoryServicePrincipal"
[[sales]]
table = "APP_4_SALES"
date_column = "DATETIME__SALES_DATE"
TOML
expect 0 "--print-config with tokens" "$bin/replicate_all_sales" --config tokens.toml --print-config
for key in Token AccessToken ClientSecret; do contains out "$key=***" "--print-config masks $key"; done
lacks out "SECRET" "--print-config shows no token or client secret"
expect 3 "an unreachable target with a client secret" "$bin/replicate_all_sales" --config tokens.toml \
    --start-date 2025-10-01 --end-date 2025-10-31 --log-level trace --log-file tokens.log
cat out err tokens.log >all
lacks all "SECRET" "no token or client secret in the output, the error or the trace log"
[ -s tokens.log ] && ok "the trace log was written (and checked)" || bad "no trace log"

# --env-file: variables from the named file; the environment wins; a missing file is named.
sed 's|Database=demo/source.db|Database=${DEMO_DIR}/source.db|' job.toml >envjob.toml
echo "DEMO_DIR=demo" >custom.env
expect 0 "--env-file supplies \${DEMO_DIR}" "$bin/replicate_all_sales" --config envjob.toml --env-file custom.env \
    --start-date 2025-04-01 --end-date 2025-04-30 --table APP_4_VOUCHER
echo "DEMO_DIR=/nonexistent" >wrong.env
expect 0 "a variable in the environment wins over --env-file" env DEMO_DIR=demo "$bin/replicate_all_sales" \
    --config envjob.toml --env-file wrong.env --start-date 2025-04-01 --end-date 2025-04-30 --table APP_4_VOUCHER
expect 3 "--env-file's value is used when the environment has none" "$bin/replicate_all_sales" \
    --config envjob.toml --env-file wrong.env --start-date 2025-04-01 --end-date 2025-04-30 --table APP_4_VOUCHER
expect 2 "a missing --env-file" "$bin/replicate_all_sales" --config envjob.toml --env-file nope.env \
    --start-date 2025-04-01 --end-date 2025-04-30
contains err "nope.env" "the missing env file is named"
one_line err "missing env file"

# --quiet: errors and the summary only.
rm -f demo/target.db
expect 0 "--quiet" "$bin/replicate_all_sales" --config job.toml --start-date 2025-09-01 --end-date 2025-10-31 \
    --table APP_4_VOUCHER --quiet
[ ! -s err ] && ok "--quiet: nothing on stderr" || { bad "--quiet printed to stderr"; head -3 err; }
matches out "^APP_4_VOUCHER +2 +0 +0 +1292 " "--quiet: the summary is printed (2 months, 1292 rows)"
expect 2 "--quiet with a bad date" "$bin/replicate_all_sales" --config job.toml --start-date 2025-09-31 \
    --end-date 2025-10-31 --quiet
one_line err "--quiet still prints the error"

# --report FILE: the run as JSON (docs/report.md), read with jq and checked against the target
# as sqlite3 sees it; the error that stops a run is reported too; secrets stay masked.
if command -v jq >/dev/null; then
    rm -f demo/target.db
    expect 0 "--report on the demo" "$bin/replicate_all_sales" --config job.toml --start-date 2025-09-01 \
        --end-date 2025-10-31 --report report.json
    jq -e '.schema == "libreplicate-report" and .schema_version == 1 and .status == "ok" and .exit_code == 0' \
        report.json >/dev/null && ok "report: schema, version 1, status ok, exit code 0" || bad "report header: $(head -c 300 report.json)"
    n=$(jq '.partitions | length' report.json)
    ledger=$(sqlite3 demo/target.db "SELECT count(*) FROM replicate_ledger")
    [ "$n" = 20 ] && [ "$n" = "$ledger" ] && ok "report: 20 partitions, as many as the ledger rows" \
        || bad "report: $n partitions, ledger $ledger"
    rows=$(jq '[.partitions[].rows] | add' report.json)
    copied=0
    for t in $(jq -r '.tables[].table' report.json); do
        copied=$((copied + $(sqlite3 demo/target.db "SELECT count(*) FROM \"com_5013_$t\"")))
    done
    [ "$rows" = "$copied" ] && [ "$rows" -gt 0 ] && ok "report: the partitions' rows add up to what sqlite3 counts ($rows)" \
        || bad "report: $rows rows reported, $copied in the target"
    jq -e '[.partitions[] | select(.kind == "range" and .status == "done" and .attempts == 1 and (.lo | test("^2025-(09|10)-01$")))] | length == 20' \
        report.json >/dev/null && ok "report: each partition has its range, status, attempts" || bad "report partitions: $(jq -c '.partitions[0]' report.json)"
    run_id=$(jq -r .run_id report.json)
    [ "$(sqlite3 demo/target.db "SELECT count(*) FROM replicate_run WHERE run_id = '$run_id' AND status = 'ok'")" = 1 ] \
        && ok "report: its run id is the run history's" || bad "report: run id $run_id not in replicate_run"
    expect 2 "--report of a run stopped by a bad date" "$bin/replicate_all_sales" --config job.toml \
        --start-date 2025-02-30 --end-date 2025-10-31 --report bad.json
    jq -e '.status == "error" and .exit_code == 2 and (.error | test("2025-02-30"))' bad.json >/dev/null \
        && ok "report: a stopped run says error, exit code 2 and the message" || bad "error report: $(cat bad.json)"
    expect 2 "--report into a missing directory" "$bin/replicate_all_sales" --config job.toml \
        --start-date 2025-09-01 --end-date 2025-10-31 --report /nonexistent/r.json
    contains err "/nonexistent/r.json" "the report path is named"
    one_line err "report path"
    [ -f demo/target.db ] && [ "$(sqlite3 demo/target.db "SELECT count(*) FROM replicate_run")" = 1 ] \
        && ok "nothing ran with an unwritable report path" || bad "a run started with an unwritable report path"
    expect 3 "--report of an unreachable target with tokens" "$bin/replicate_all_sales" --config tokens.toml \
        --start-date 2025-10-01 --end-date 2025-10-31 --report tokens.json
    lacks tokens.json "SECRET" "the report holds no token or client secret"
    jq -e '.status == "error" and .exit_code == 3' tokens.json >/dev/null && ok "report: unreachable is exit code 3" \
        || bad "unreachable report: $(cat tokens.json)"
    # --dry-run: the plan with rows counted at the source, and nothing written to the target.
    rm -f demo/target.db
    expect 0 "--dry-run" "$bin/replicate_all_sales" --config job.toml --start-date 2025-09-01 \
        --end-date 2025-10-31 --dry-run --report dry.json
    contains out "nothing was written" "--dry-run says nothing was written"
    contains out "DELETE FROM \"com_5013_APP_4_SALES\"" "--dry-run shows the range delete"
    objects=$([ -f demo/target.db ] && sqlite3 demo/target.db "SELECT count(*) FROM sqlite_master" || echo 0)
    size=$([ -f demo/target.db ] && stat -c %s demo/target.db || echo 0)
    [ "$objects" = 0 ] && [ "$size" = 0 ] && ok "--dry-run created no table, ledger or run row (target file: $size bytes)" \
        || bad "--dry-run wrote $objects objects ($size bytes) into the target"
    jq -e '.status == "dry_run" and (.partitions | length) == 20 and all(.partitions[]; .estimate == "count")' dry.json >/dev/null \
        && ok "--dry-run --report: 20 planned partitions, each counted" || bad "dry-run report: $(head -c 300 dry.json)"
    expect 0 "the run after the dry run" "$bin/replicate_all_sales" --config job.toml --start-date 2025-09-01 \
        --end-date 2025-10-31 --report real.json
    planned=$(jq -c '[.partitions[] | [.table, .lo, .estimated_rows]]' dry.json)
    copied=$(jq -c '[.partitions[] | [.table, .lo, .rows]]' real.json)
    [ "$planned" = "$copied" ] && ok "every partition's counted rows are the rows the run copied" \
        || bad "dry run counted $planned, the run copied $copied"
    expect 0 "--dry-run --resume after the run" "$bin/replicate_all_sales" --config job.toml --start-date 2025-09-01 \
        --end-date 2025-10-31 --dry-run --resume
    [ "$(grep -c "skipped by --resume" out)" = 20 ] && ok "--dry-run --resume marks the 20 done months as skipped" \
        || bad "--dry-run --resume: $(grep -c "skipped by --resume" out) skipped"
else
    bad "jq is missing (tests/support/install_deps.sh test installs it): cannot read --report files"
fi

# ---- nightly dates in the business's time zone (faketime sets the clock) -------------------
if command -v faketime >/dev/null; then
    sed 's/^max_workers = 2/max_workers = 2\ntime_zone = "Asia\/Kuala_Lumpur"/' job.toml >kl.toml
    for at in "2025-10-14 16:30:00" "2025-10-14 18:00:00"; do  # 00:30 and 02:00 on 15 Oct in UTC+8
        TZ=UTC faketime "$at" "$bin/replicate_all_sales" --config kl.toml --yesterday --dry-run --table APP_4_SALES >out 2>err
        contains out "dates: 2025-10-14 to 2025-10-14 (yesterday in Asia/Kuala_Lumpur)" \
            "--yesterday at $at UTC (UTC+8: the 15th) copies the 14th and says so"
        contains out "  2025-10-14..2025-10-15 " "--yesterday at $at UTC: one partition, the 14th"
    done
    # Without [run] time_zone the machine's zone decides: UTC here, so at 18:00 UTC yesterday is the 13th.
    TZ=UTC faketime "2025-10-14 18:00:00" "$bin/replicate_all_sales" --config job.toml --yesterday --dry-run --table APP_4_SALES >out 2>err
    contains out "dates: 2025-10-13 to 2025-10-13 (yesterday in " "without time_zone, the machine's zone (UTC) gives the 13th"
    # lookback_days: a nightly run copies the days before yesterday again; the ledger shows the range.
    sed 's/^max_workers = 2/max_workers = 2\nlookback_days = 3/' kl.toml >lb.toml
    rm -f demo/target.db
    TZ=UTC faketime "2025-10-14 18:00:00" "$bin/replicate_all_sales" --config lb.toml --yesterday --table APP_4_SALES >out 2>err
    contains out "dates: 2025-10-11 to 2025-10-14 (yesterday in Asia/Kuala_Lumpur, with 3 lookback day(s))" \
        "lookback_days = 3: the summary names the four days"
    [ "$(sqlite3 demo/target.db "SELECT range_lo || '..' || range_hi FROM replicate_ledger")" = "2025-10-11..2025-10-15" ] \
        && ok "lookback_days = 3: the ledger records 2025-10-11..2025-10-15" \
        || bad "lookback ledger: $(sqlite3 demo/target.db "SELECT range_lo, range_hi FROM replicate_ledger")"
    TZ=UTC faketime "2025-10-14 18:00:00" "$bin/replicate_all_sales" --config kl.toml --days-back 7 --dry-run --table APP_4_SALES >out 2>err
    contains out "dates: 2025-10-08 to 2025-10-14 (--days-back 7 in Asia/Kuala_Lumpur)" "--days-back 7: the seven days up to yesterday"
    TZ=UTC faketime "2025-10-14 18:00:00" "$bin/replicate_all_sales" --config kl.toml --today --dry-run --table APP_4_SALES >out 2>err
    contains out "dates: 2025-10-15 to 2025-10-15 (today in Asia/Kuala_Lumpur)" "--today: the local day so far"
else
    bad "faketime is missing (tests/support/install_deps.sh test installs it): cannot pin the clock"
fi
expect 2 "--yesterday with --start-date" "$bin/replicate_all_sales" --config job.toml --yesterday --start-date 2025-01-01
one_line err "--yesterday with --start-date"
sed 's/^max_workers = 2/max_workers = 2\ntime_zone = "Asia\/Kuala_Lampur"/' job.toml >badzone.toml
expect 2 "an unknown time zone" "$bin/replicate_all_sales" --config badzone.toml --yesterday
contains err "Asia/Kuala_Lampur" "the error names the unknown zone"
one_line err "an unknown time zone"

# ---- progress and logs ------------------------------------------------------------------------
# Off a terminal (cron, CI, a pipe): one line per finished partition, heartbeat lines while
# partitions run, no control characters; every line carries the run id.
rm -f demo/target.db
"$bin/replicate_all_sales" --config job.toml --start-date 2024-10-01 --end-date 2025-10-31 \
    --table APP_4_SALESITEM --max-workers 1 --heartbeat 0.3 --report beat.json >out 2>err
run_id=$(jq -r .run_id beat.json 2>/dev/null)
[ "$(grep -c '\] done, ' err)" = 13 ] && ok "off a terminal: one line per finished partition (13)" \
    || bad "off a terminal: $(grep -c '\] done, ' err) partition lines"
matches err "progress: [0-9]+/13 partitions done, [0-9]+ rows, [0-9]+ s; APP_4_SALESITEM 20" \
    "off a terminal: heartbeat lines name the partition in flight"
if grep -q $'\x1b' err out; then bad "off a terminal: control characters in the output"; else
    ok "off a terminal: no control characters"; fi
[ -n "$run_id" ] && [ "$(grep -vc "\[run $run_id\]" err)" = 0 ] && ok "every log line carries the run id ($run_id)" \
    || bad "log lines without the run id: $(grep -v "\[run $run_id\]" err | head -2)"
# JSON lines: each parses, with run_id, and partition lines with table and range.
"$bin/replicate_all_sales" --config job.toml --start-date 2025-09-01 --end-date 2025-10-31 \
    --table APP_4_SALES --log-format json --report json.json >out 2>err
run_id=$(jq -r .run_id json.json)
jq -e --arg r "$run_id" '.run_id == $r and (.time | test("Z$")) and (.level | length > 0)' err >/dev/null \
    && [ "$(jq -s 'length' err)" = "$(wc -l <err)" ] && ok "--log-format json: every line is a JSON object with the run id" \
    || bad "--log-format json: $(head -2 err)"
[ "$(jq -s '[.[] | select(.table == "APP_4_SALES" and .range == "2025-09-01..2025-10-01")] | length' err)" -ge 1 ] \
    && ok "--log-format json: partition lines carry table and range" || bad "json lines lack table/range"
# --log-file rotates by size and keeps --log-file-keep old files.
for i in 1 2 3 4; do
    "$bin/replicate_all_sales" --config job.toml --start-date 2025-01-01 --end-date 2025-10-31 --table APP_4_SALES \
        --log-level debug --log-file rot.log --log-file-max-mb 0.004 --log-file-keep 2 >/dev/null 2>&1
done
# A file passes the limit only by a single line longer than the limit itself.
big=0
for f in rot.log*; do
    [ "$(stat -c %s "$f")" -gt 4194 ] && [ "$(wc -l <"$f")" -gt 1 ] && big=$((big + 1))
done
[ -f rot.log ] && [ -f rot.log.1 ] && [ -f rot.log.2 ] && [ ! -f rot.log.3 ] && [ "$big" = 0 ] \
    && ok "--log-file rotates at --log-file-max-mb and keeps --log-file-keep files ($(ls rot.log* | tr '\n' ' '))" \
    || bad "rotation: $(ls -l rot.log* | awk '{print $5, $9}' | tr '\n' ' ')"
expect 2 "--progress sometimes" "$bin/replicate_all_sales" --config job.toml --start-date 2025-09-01 \
    --end-date 2025-10-31 --progress sometimes
one_line err "--progress sometimes"
expect 2 "--log-format xml" "$bin/replicate_all_sales" --config job.toml --start-date 2025-09-01 \
    --end-date 2025-10-31 --log-format xml
one_line err "--log-format xml"

# On a terminal (tmux): the live view is drawn while the run goes and gone at the end, also
# after Ctrl-C.
if command -v tmux >/dev/null; then
    live() {  # live NAME EXTRA_ARGS: starts the full demo range in a tmux pane
        rm -f demo/target.db
        tmux -L "rt$$" new-session -d -s "$1" -x 160 -y 40 \
            "bash -c 'cd $work && $bin/replicate_all_sales --config job.toml --start-date 2024-10-01 --end-date 2025-10-31 --max-workers 2 --log-level warning $2; echo EXIT=\$?; sleep 60'"
    }
    pane() { tmux -L "rt$$" capture-pane -p -t "$1"; }
    wait_exit() { for _ in $(seq 100); do pane "$1" | grep -q '^EXIT=' && return; sleep 0.3; done; }
    # Until the view shows a partition in flight (a loaded machine starts slowly), at most 20 s.
    wait_view() { for _ in $(seq 80); do pane "$1" | grep -qE ' / [0-9,]+ +[0-9]+% ' && return; sleep 0.25; done; }
    live view ""
    wait_view view
    pane view >during.txt
    wait_exit view
    pane view >after.txt
    matches during.txt "^  APP_4_[A-Z]+ +20[0-9-]+\.\.20[0-9-]+ +[0-9,]+ / [0-9,]+ +[0-9]+% +[0-9,]+ rows/s" \
        "live view: one line per worker with rows, estimate, percent and rows/s"
    matches during.txt "^  \[[#.]{20}\] [0-9]+/130 partitions, [0-9,]+ rows, [0-9:]+ elapsed" "live view: the overall line"
    if grep -qE "partitions, .* elapsed|rows/s +[0-9]+:[0-9]+$" after.txt; then bad "live view left on screen after the run"; \
        sed 's/^/    | /' after.txt | tail -5; else ok "live view: gone after the run"; fi
    contains after.txt "EXIT=0" "live view: the run ends with exit 0"
    matches after.txt "^total +130 +0 +0 " "live view: the summary follows on a clean screen"
    live stop ""
    wait_view stop
    tmux -L "rt$$" send-keys -t stop C-c
    wait_exit stop
    pane stop >stopped.txt
    contains stopped.txt "EXIT=130" "live view + Ctrl-C: exit 130"
    contains stopped.txt "INTERRUPTED" "live view + Ctrl-C: the summary says interrupted"
    if grep -qE "partitions, .* elapsed" stopped.txt; then bad "live view left on screen after Ctrl-C"; else
        ok "live view: gone after Ctrl-C"; fi
    tmux -L "rt$$" kill-server 2>/dev/null
else
    bad "tmux is missing (tests/support/install_deps.sh test installs it): cannot test the live view"
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
