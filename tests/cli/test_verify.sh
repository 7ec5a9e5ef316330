#!/usr/bin/env bash
# --verify, --verify-only and --repair through the tools, into PostgreSQL, MariaDB and SQLite
# targets. The source is made by psql's own SQL (generate_series: numeric, timestamp(3),
# char(n) padding, text in four scripts, NULLs, double, bytea; no primary key, as many POS
# tables). Each damage is done with the target DBMS's own client: a value changed in one
# column, a row deleted, a row duplicated, a NULL turned into '', a timestamp moved by one
# millisecond. Each must be found by --verify-only (exit 1, that month MISMATCH, the other
# month match) and fixed by --repair, after which the target dumps, through its own client,
# exactly as it did after the first copy. Also: --dry-run into a PostgreSQL target creates
# nothing (checked with psql), and a ledger made by the 001 migration (no verification
# columns) gets them on the first --verify.
# Usage: test_verify.sh BIN_DIR SOURCE_DIR SERVERS_ENV
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"
both_servers
maria_q() { $maria_admin --default-character-set=utf8mb4 replicate_test -N -B -e "$1"; }
tag="vf$$"

psql_q -c "CREATE SCHEMA ${tag}_src; CREATE SCHEMA ${tag}_dw;
CREATE TABLE ${tag}_src.sales (
    id bigint NOT NULL, sold_at timestamp(3), amount numeric(16,4), qty smallint, paid boolean,
    note varchar(40), code char(6), rate double precision, blob bytea);
INSERT INTO ${tag}_src.sales
SELECT i,
       timestamp '2025-01-01' + (i * interval '37 minutes 1.357 seconds'),
       round((i * 7.3191 - 1000)::numeric, 4),
       (i % 200 - 100)::smallint,
       i % 3 = 0,
       CASE WHEN i % 11 = 0 THEN NULL
            ELSE (ARRAY['Kedai Ah Seng', '茶餐室', 'கடை', 'Café ☕', '🍜 mee'])[1 + i % 5] || ' ' || i END,
       CASE WHEN i % 13 = 0 THEN NULL ELSE 'C' || (i % 97) END,
       i * 0.25,
       CASE WHEN i % 7 = 0 THEN NULL ELSE decode(lpad(to_hex(i), 8, '0'), 'hex') END
FROM generate_series(1, 2200) AS i;"
n_jan=$(psql_q -c "SELECT count(*) FROM ${tag}_src.sales WHERE sold_at < '2025-02-01'")
n_feb=$(psql_q -c "SELECT count(*) FROM ${tag}_src.sales WHERE sold_at >= '2025-02-01' AND sold_at < '2025-03-01'")

job() {  # job TARGET_CONNECTION TARGET_SCHEMA PREFIX
    printf '[source]\nconnection = "%s"\nschema = "%s_src"\n[target]\nconnection = "%s"\nschema = "%s"\ntable_prefix = "%s"\n' \
        "$pg_conn" "$tag" "$1" "$2" "$3"
    printf '[run]\nretry_attempts = 1\n[[sales]]\ntable = "sales"\ndate_column = "sold_at"\n'
}
job "$pg_conn" "${tag}_dw" "" >pg.toml
job "$maria_conn" "" "${tag}_" >maria.toml
job "Driver=SQLite3;Database=$work/dw.db" "" "" >sqlite.toml
run() { "$bin/replicate_all_sales" --config "$1.toml" --start-date 2025-01-01 --end-date 2025-02-28 --log-level warning "${@:2}"; }

# The target's own client: SQL on the target, and the target table's content, sorted.
on_target() {
    case $1 in
        pg) psql_q -c "SET search_path = ${tag}_dw; $2" ;;
        maria) maria_q "$2" ;;
        sqlite) sqlite3 "$work/dw.db" "$2" ;;
    esac
}
table_of() { case $1 in pg) echo sales ;; maria) echo "${tag}_sales" ;; sqlite) echo sales ;; esac; }
dump() { canonical "$(case $1 in pg) echo postgresql ;; maria) echo mariadb ;; sqlite) echo "sqlite:$work/dw.db" ;; esac)" \
    "$(table_of "$1")" "$(case $1 in pg) echo "${tag}_dw" ;; *) echo "" ;; esac)"; }
# The damages: SQL for each target; $T is the table. Rows are picked in the middle of a month.
damage() {  # damage TARGET WHAT
    local T; T=$(table_of "$1")
    case $2 in
        changed) echo "UPDATE $T SET amount = amount + 1 WHERE id = 500" ;;
        deleted) echo "DELETE FROM $T WHERE id = 501" ;;
        duplicated) echo "INSERT INTO $T SELECT * FROM $T WHERE id = 1502" ;;
        null_to_empty) echo "UPDATE $T SET note = '' WHERE id = 1507" ;;  # 1507 = 11 * 137
        plus_1ms) case $1 in
                pg) echo "UPDATE $T SET sold_at = sold_at + interval '1 millisecond' WHERE id = 503" ;;
                maria) echo "UPDATE $T SET sold_at = sold_at + INTERVAL 1000 MICROSECOND WHERE id = 503" ;;
                sqlite) echo "UPDATE $T SET sold_at = strftime('%Y-%m-%d %H:%M:%f', sold_at, '+0.001 seconds') WHERE id = 503" ;;
            esac ;;
    esac
}
month_of() { case $1 in changed | deleted | plus_1ms) echo 2025-01-01..2025-02-01 ;; *) echo 2025-02-01..2025-03-01 ;; esac; }
other_month() { case $1 in 2025-01-01..2025-02-01) echo 2025-02-01..2025-03-01 ;; *) echo 2025-01-01..2025-02-01 ;; esac; }

# ---- a dry run into PostgreSQL writes nothing ------------------------------------------------
run pg --dry-run >dry.out 2>&1
code=$?
made=$(psql_q -c "SELECT count(*) FROM information_schema.tables WHERE table_schema = '${tag}_dw'")
[ "$code" = 0 ] && [ "$made" = 0 ] && grep -q "$n_jan rows (counted)" dry.out \
    && ok "PostgreSQL target: --dry-run exits 0, counts January ($n_jan rows), and psql finds no table in ${tag}_dw" \
    || { bad "PostgreSQL --dry-run: exit $code, $made table(s) made"; sed 's/^/    | /' dry.out | head; }

# ---- a ledger made by hand from the 001 migration: no verification columns yet ---------------
psql_q -c "SET search_path = ${tag}_dw" -f "$src/migrations/postgresql/001_ledger.sql" >/dev/null
[ "$(psql_q -c "SELECT count(*) FROM information_schema.columns WHERE table_schema = '${tag}_dw' AND table_name = 'replicate_ledger' AND column_name = 'verified'")" = 0 ] \
    || bad "the 001 ledger should have no verification column"

for t in pg maria sqlite; do
    T=$(table_of $t)
    run $t --verify --report first.json >copy.out 2>&1
    code=$?
    verified=$(on_target $t "SELECT count(*) FROM replicate_ledger WHERE table_name LIKE '%$T' AND verified = 'match' AND source_checksum = target_checksum AND source_rows = target_rows")
    rows=$(on_target $t "SELECT count(*) FROM $T")
    report=$(jq -r '[.partitions[].verification.result] | join(",")' first.json)
    [ "$code" = 0 ] && [ "$verified" = 2 ] && [ "$rows" = $((n_jan + n_feb)) ] && [ "$report" = "match,match" ] \
        && ok "$t: --verify copies 2 months ($rows rows) and the ledger, read by the DBMS's client, records both as match" \
        || { bad "$t: --verify exit $code, $verified verified, $rows rows, report '$report'"; sed 's/^/    | /' copy.out | tail -5; }
    dump $t >"$t.after_copy"
    if [ $t = pg ]; then
        [ "$(psql_q -c "SELECT count(*) FROM information_schema.columns WHERE table_schema = '${tag}_dw' AND table_name = 'replicate_ledger' AND column_name IN ('verified', 'verified_at', 'source_rows', 'source_checksum', 'target_rows', 'target_checksum')")" = 6 ] \
            && ok "pg: the ledger made by the 001 migration got its six verification columns on the first --verify" \
            || bad "pg: the 001 ledger was not given the verification columns"
        canonical postgresql sales "${tag}_src" | tail -n +2 >src.dump
        tail -n +2 pg.after_copy | cmp -s - src.dump \
            && ok "pg: the copy equals the source, row for row, as psql prints both" \
            || bad "pg: the copy differs from the source as psql prints them"
    fi
    for what in changed deleted duplicated null_to_empty plus_1ms; do
        on_target $t "$(damage $t $what)" >/dev/null
        month=$(month_of $what)
        run $t --verify-only >check.out 2>&1
        code=$?
        if [ "$code" = 1 ] && grep -Eq "^${tag}_src.sales +$month .*MISMATCH$" check.out \
            && grep -Eq "^${tag}_src.sales +$(other_month "$month") .* match$" check.out; then
            ok "$t: $what: --verify-only exits 1 and names $month alone"
        else
            bad "$t: $what: --verify-only exit $code"; sed 's/^/    | /' check.out | tail -6
        fi
        run $t --repair --report repair.json >repair.out 2>&1
        code=$?
        repaired=$(jq -r '[.repair.partitions[] | .lo + ".." + .hi + ":" + .verification.result] | join(",")' repair.json)
        dump $t >"$t.after_repair"
        if [ "$code" = 0 ] && [ "$repaired" = "$month:match" ] && cmp -s "$t.after_copy" "$t.after_repair" \
            && run $t --verify-only >/dev/null 2>&1; then
            ok "$t: $what: --repair copies $month alone again, and the target dumps as after the first copy"
        else
            bad "$t: $what: --repair exit $code, repaired '$repaired'"; sed 's/^/    | /' repair.out | tail -6
            diff "$t.after_copy" "$t.after_repair" | head -4 | sed 's/^/    | /'
        fi
    done
    mism=$(on_target $t "SELECT count(*) FROM replicate_ledger WHERE table_name LIKE '%$T' AND verified = 'match'")
    [ "$mism" = 2 ] && ok "$t: after the repairs the ledger says match for both months" \
        || bad "$t: ledger has $mism matching months after the repairs"
done

# --resume after a mismatch copies that month again, and only it.
on_target pg "DELETE FROM sales WHERE id = 1600" >/dev/null
run pg --verify-only >/dev/null 2>&1
run pg --resume --verify >resume.out 2>&1
code=$?
grep -Eq "^${tag}_src.sales +1 +0 +1 +$n_feb " resume.out && [ "$code" = 0 ] \
    && ok "pg: --resume skips the matching month and copies again the one --verify-only found damaged" \
    || { bad "pg: --resume after a mismatch: exit $code"; sed 's/^/    | /' resume.out | tail -4; }

# Bad combinations are one-line errors with exit 2.
"$bin/replicate_all_sales" --config pg.toml --start-date 2025-01-01 --end-date 2025-01-31 --verify --verify-only >combo.out 2>&1
code=$?
[ "$code" = 2 ] && [ "$(wc -l <combo.out)" = 1 ] && ok "--verify with --verify-only: exit 2, one line" \
    || { bad "--verify --verify-only: exit $code"; cat combo.out; }

psql_q -c "DROP SCHEMA ${tag}_src CASCADE; DROP SCHEMA ${tag}_dw CASCADE" >/dev/null
maria_q "DROP TABLE IF EXISTS \`${tag}_sales\`; DELETE FROM replicate_ledger WHERE table_name = '${tag}_sales'"
finish
