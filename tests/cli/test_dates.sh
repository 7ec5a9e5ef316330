#!/usr/bin/env bash
# Date columns that are not business-local datetimes, through the tools, read back with the
# DBMS's own client:
# - a column holding UTC (the credit note tables' DATETIMEUTC_BUSINESS_DATE) with
#   date_column_zone = "UTC" and [run] time_zone = "Asia/Kuala_Lumpur": October copies the rows
#   from 30 Sep 16:00 UTC up to 31 Oct 16:00 UTC, no others; a second run of October into the
#   same target replaces exactly those rows;
# - a varchar date column (SALESQUANTITIES.SALES_DATE) with date_column_format = "YYYY-MM-DD",
#   from PostgreSQL and from SQLite, into PostgreSQL, MariaDB and SQLite.
# The sources are made with psql and sqlite3, with rows on both sides of every bound.
# Usage: test_dates.sh BIN_DIR SOURCE_DIR SERVERS_ENV
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"
both_servers
maria_q() { $maria_admin --default-character-set=utf8mb4 replicate_test -N -B -e "$1"; }
tag="dt$$"

psql_q -c "CREATE SCHEMA ${tag}_src; CREATE SCHEMA ${tag}_dw;
CREATE TABLE ${tag}_src.\"CREDITNOTE\" (\"ID\" int, \"DATETIMEUTC_BUSINESS_DATE\" timestamp(3), \"AMOUNT\" numeric(10,2));
INSERT INTO ${tag}_src.\"CREDITNOTE\" VALUES
  (1, '2025-09-30 15:59:59.999', 1),  -- 30 Sep 23:59:59.999 in Kuala Lumpur: September
  (2, '2025-09-30 16:00:00', 2),      -- 1 Oct 00:00 in Kuala Lumpur: October
  (3, '2025-10-15 03:00:00', 3),
  (4, '2025-10-31 15:59:59.999', 4),  -- 31 Oct 23:59:59.999 local: October
  (5, '2025-10-31 16:00:00', 5),      -- 1 Nov 00:00 local: November
  (6, '2025-10-31 20:00:00', 6);      -- 1 Nov local, though 31 Oct in UTC
CREATE TABLE ${tag}_src.\"SALESQUANTITIES\" (\"ID\" int, \"SALES_DATE\" varchar(10), \"QTY\" int);
INSERT INTO ${tag}_src.\"SALESQUANTITIES\" VALUES (1, '2025-09-30', 1), (2, '2025-10-01', 2), (3, '2025-10-31', 3),
  (4, '2025-11-01', 4), (5, NULL, 5);"
sqlite3 src.db "CREATE TABLE SALESQUANTITIES (ID integer, SALES_DATE varchar(10), QTY integer);
INSERT INTO SALESQUANTITIES VALUES (1, '2025-09-30', 1), (2, '2025-10-01', 2), (3, '2025-10-31', 3), (4, '2025-11-01', 4);"

job() {  # job SOURCE_CONN SOURCE_SCHEMA TARGET_CONN TARGET_SCHEMA PREFIX
    printf '[source]\nconnection = "%s"\nschema = "%s"\n[target]\nconnection = "%s"\nschema = "%s"\ntable_prefix = "%s"\n' "$@"
    printf '[run]\ntime_zone = "Asia/Kuala_Lumpur"\nretry_attempts = 1\n'
}
october=(--start-date 2025-10-01 --end-date 2025-10-31)

# ---- a UTC column ---------------------------------------------------------------------------
{ job "$pg_conn" "${tag}_src" "$pg_conn" "${tag}_dw" ""
  printf '[[sales]]\ntable = "CREDITNOTE"\ndate_column = "DATETIMEUTC_BUSINESS_DATE"\ndate_column_zone = "UTC"\n'; } >utc.toml
"$bin/replicate_all_sales" --config utc.toml "${october[@]}" --log-level warning >out 2>&1
code=$?
ids=$(psql_q -c "SELECT string_agg(\"ID\"::text, ',' ORDER BY \"ID\") FROM ${tag}_dw.\"CREDITNOTE\"")
[ "$code" = 0 ] && [ "$ids" = "2,3,4" ] \
    && ok "date_column_zone = \"UTC\": October in Kuala Lumpur copies rows 2,3,4 (30 Sep 16:00 UTC .. 31 Oct 16:00 UTC), as psql shows" \
    || { bad "UTC column: exit $code, rows '$ids' (wanted 2,3,4)"; cat out; }
# Range replacement uses the same bounds: a row moved inside October at the target is
# replaced, and a row of November put in the target by hand survives.
psql_q -c "INSERT INTO ${tag}_dw.\"CREDITNOTE\" VALUES (5, '2025-10-31 16:00:00', 5); UPDATE ${tag}_dw.\"CREDITNOTE\" SET \"AMOUNT\" = 99 WHERE \"ID\" = 2"
"$bin/replicate_all_sales" --config utc.toml "${october[@]}" --log-level warning >out 2>&1
ids=$(psql_q -c "SELECT string_agg(\"ID\" || ':' || \"AMOUNT\", ',' ORDER BY \"ID\") FROM ${tag}_dw.\"CREDITNOTE\"")
[ "$ids" = "2:2.00,3:3.00,4:4.00,5:5.00" ] \
    && ok "a second October run replaces 30 Sep 16:00 .. 31 Oct 16:00 UTC at the target, and leaves November's row 5" \
    || bad "UTC column, second run: target rows '$ids'"
"$bin/replicate_all_sales" --config utc.toml --start-date 2025-10-01 --end-date 2025-10-31 --dry-run >dry.out 2>&1
grep -q '"DATETIMEUTC_BUSINESS_DATE" >= ?' dry.out && ok "the UTC bounds are bound as parameters, not written into the SQL" \
    || { bad "dry run of the UTC column"; head -5 dry.out; }
# The same through ODBC only (timestamps bound as SQL_TYPE_TIMESTAMP with their hours), into
# MariaDB and into SQLite.
for target in maria sqlite; do
    case $target in
        maria) tconn=$maria_conn; tschema="" ;;
        sqlite) tconn="Driver=SQLite3;Database=$work/utc.db"; tschema="" ;;
    esac
    { job "$pg_conn" "${tag}_src" "$tconn" "$tschema" "${tag}_"
      printf '[[sales]]
table = "CREDITNOTE"
date_column = "DATETIMEUTC_BUSINESS_DATE"
date_column_zone = "UTC"
'; } \
        | sed 's/^schema = "'"${tag}"'_src"/schema = "'"${tag}"'_src"\ndata_path = "odbc"/' >utc_$target.toml
    "$bin/replicate_all_sales" --config utc_$target.toml "${october[@]}" --log-level warning >out 2>&1
    code=$?
    case $target in
        maria) ids=$(maria_q "SELECT group_concat(ID ORDER BY ID) FROM \`${tag}_CREDITNOTE\`") ;;
        sqlite) ids=$(sqlite3 utc.db "SELECT group_concat(ID) FROM (SELECT ID FROM ${tag}_CREDITNOTE ORDER BY ID)") ;;
    esac
    [ "$code" = 0 ] && [ "$ids" = "2,3,4" ] && grep -q 'data_path = "odbc"' utc_$target.toml \
        && ok "date_column_zone = \"UTC\" through ODBC into $target: rows 2,3,4" \
        || { bad "UTC column through ODBC into $target: exit $code, rows '$ids'"; cat out; }
    # Again: the target's own range delete uses the same UTC bounds.
    "$bin/replicate_all_sales" --config utc_$target.toml "${october[@]}" --log-level warning >/dev/null 2>&1
    case $target in
        maria) n=$(maria_q "SELECT count(*) FROM \`${tag}_CREDITNOTE\`") ;;
        sqlite) n=$(sqlite3 utc.db "SELECT count(*) FROM ${tag}_CREDITNOTE") ;;
    esac
    [ "$n" = 3 ] && ok "a second run into $target replaces the same 3 rows" || bad "$target after a second run: $n rows"
done
maria_q "DROP TABLE IF EXISTS \`${tag}_CREDITNOTE\`; DELETE FROM replicate_ledger WHERE table_name = '${tag}_CREDITNOTE'"
# A date (not datetime) column cannot be moved between zones: exit 2, one line.
{ job "$pg_conn" "${tag}_src" "$pg_conn" "${tag}_dw" "bad_"
  printf '[[sales]]\ntable = "SALESQUANTITIES"\ndate_column = "SALES_DATE"\ndate_column_zone = "UTC"\n'; } >badzone.toml
"$bin/replicate_all_sales" --config badzone.toml "${october[@]}" >bad.out 2>&1
code=$?
[ "$code" = 2 ] && [ "$(wc -l <bad.out)" = 1 ] && ok "date_column_zone on a text column: exit 2, one line" \
    || { bad "date_column_zone on text: exit $code"; cat bad.out; }

# ---- a varchar date column -------------------------------------------------------------------
text_job() {  # text_job SOURCE_CONN SOURCE_SCHEMA TARGET_CONN TARGET_SCHEMA PREFIX
    job "$@"
    printf '[[sales]]\ntable = "SALESQUANTITIES"\ndate_column = "SALES_DATE"\ndate_column_format = "YYYY-MM-DD"\n'
}
check_text() {  # check_text NAME COUNT_SQL_RESULT
    [ "$2" = "2,3" ] && ok "$1: October's text dates 2025-10-01 and 2025-10-31 copied, 30 Sep and 1 Nov not" \
        || bad "$1: rows '$2' (wanted 2,3)"
}
text_job "$pg_conn" "${tag}_src" "$pg_conn" "${tag}_dw" "pg_" >t1.toml
text_job "$pg_conn" "${tag}_src" "$maria_conn" "" "${tag}_" >t2.toml
text_job "Driver=SQLite3;Database=$work/src.db" "" "Driver=SQLite3;Database=$work/dw.db" "" "" >t3.toml
for n in 1 2 3; do
    "$bin/replicate_all_sales" --config "t$n.toml" "${october[@]}" --log-level warning >"t$n.out" 2>&1 \
        || { bad "text date run $n failed"; cat "t$n.out"; }
done
check_text "PostgreSQL to PostgreSQL" "$(psql_q -c "SELECT string_agg(\"ID\"::text, ',' ORDER BY \"ID\") FROM ${tag}_dw.\"pg_SALESQUANTITIES\"")"
check_text "PostgreSQL to MariaDB" "$(maria_q "SELECT group_concat(ID ORDER BY ID) FROM \`${tag}_SALESQUANTITIES\`")"
check_text "SQLite to SQLite" "$(sqlite3 dw.db "SELECT group_concat(ID) FROM (SELECT ID FROM SALESQUANTITIES ORDER BY ID)")"
# Without the format the text column is refused, naming the setting.
{ job "$pg_conn" "${tag}_src" "$pg_conn" "${tag}_dw" "nf_"
  printf '[[sales]]\ntable = "SALESQUANTITIES"\ndate_column = "SALES_DATE"\n'; } >nofmt.toml
"$bin/replicate_all_sales" --config nofmt.toml "${october[@]}" >bad.out 2>&1
code=$?
[ "$code" = 2 ] && grep -q "date_column_format" bad.out && ok "a text date column without date_column_format: exit 2 naming the setting" \
    || { bad "text column without format: exit $code"; cat bad.out; }
"$bin/test_connection" --config t1.toml --source >tc.out 2>&1 && grep -q "date column SALES_DATE ok" tc.out \
    && ok "test_connection accepts the text date column with its format" || { bad "test_connection on the text date column"; cat tc.out; }

psql_q -c "DROP SCHEMA ${tag}_src CASCADE; DROP SCHEMA ${tag}_dw CASCADE" >/dev/null
maria_q "DROP TABLE IF EXISTS \`${tag}_SALESQUANTITIES\`; DELETE FROM replicate_ledger WHERE table_name = '${tag}_SALESQUANTITIES'"
finish
