#!/usr/bin/env bash
# A table's content as the DBMS itself prints it, through its own client (psql, mariadb,
# sqlite3), never through libreplicate: the independent reference the tests compare with.
#
#   canonical.sh SERVERS_ENV DBMS TABLE [SCHEMA]     DBMS: postgresql | mariadb | sqlite:FILE |
#                                                           sqlserver (REPLICATE_TEST_MSSQL, tsql)
#   canonical.sh SERVERS_ENV DBMS --sql "SQL"        runs SQL with that client (sqlite:FILE too)
#   canonical.sh SERVERS_ENV DBMS --file FILE        runs a SQL script with that client
#
# Prints a header line ("# name:kind<TAB>...") and then one line per row, sorted bytewise,
# values separated by tabs, each in one canonical text that every DBMS can produce:
#   integers and booleans  decimal digits           decimals  digits without trailing zeros
#   text                   UTF-8 bytes, upper hex   binary    bytes, upper hex
#   date                   YYYY-MM-DD               timestamp YYYY-MM-DD HH:MM:SS.fffffffff
#   floats                 the DBMS's exact text (PostgreSQL: extra_float_digits = 3; MariaDB:
#                          CAST AS DOUBLE, 17 digits; SQLite: quote(), up to 20 digits); a
#                          reader compares them as numbers, not as text
#   NULL                   NULL (no hex, number or date reads so)
# The kind of a column comes from the DBMS's catalog (information_schema, pragma_table_info):
# what the DBMS says the column is, not what the library thinks it created.
# SQL Server is read with FreeTDS's tsql (never unixODBC or the library): the server renders
# numbers, dates and times as text (CONVERT styles 3, 23, 121), tsql prints text in UTF-8 and
# binary as hex, with unit and record separators between fields and rows (so tabs and line
# breaks inside values survive), and canonical_mssql_rows turns that into the canonical form.
# Sourced (with the 'canonical_' functions only) or run as a command.
set -uo pipefail

# canonical_field CONNECTION KEY: one value of an ODBC connection string (braces removed).
canonical_field() {
    local rest=";$1" key=$2
    rest=${rest#*;"$key"=}
    [ "$rest" = ";$1" ] && return 0
    case $rest in
        \{*) rest=${rest#\{}; echo "${rest%%\}*}" ;;
        *) echo "${rest%%;*}" ;;
    esac
}
# The test servers' connection strings: the environment (REPLICATE_TEST_PG / _MARIADB) first,
# then the file servers.sh wrote.
canonical_conn() {
    local v=${!1:-}
    [ -n "$v" ] || v=$(grep "^$1=" "$canonical_env" 2>/dev/null | cut -d= -f2-)
    echo "$v"
}
canonical_pg_psql() {  # psql as the test user, unaligned, tab-separated
    local c
    c=$(canonical_conn REPLICATE_TEST_PG)
    PGPASSWORD=$(canonical_field "$c" PWD) PGOPTIONS="-c client_min_messages=warning -c extra_float_digits=3" \
        psql -h "$(canonical_field "$c" Server)" -p "$(canonical_field "$c" Port)" -U "$(canonical_field "$c" UID)" \
        -d "$(canonical_field "$c" Database)" -X -q -t -A -F $'\t' -v ON_ERROR_STOP=1 "$@"
}
canonical_maria() {  # the mariadb client as the test user, batch mode (tab-separated, no header)
    local c
    c=$(canonical_conn REPLICATE_TEST_MARIADB)
    MYSQL_PWD=$(canonical_field "$c" PWD) mariadb --no-defaults --protocol=tcp -h "$(canonical_field "$c" Server)" \
        -P "$(canonical_field "$c" Port)" -u "$(canonical_field "$c" UID)" --default-character-set=utf8mb4 \
        -N -B -r "$(canonical_field "$c" Database)" "$@"
}

canonical_mssql() {  # tsql as the test user: fields split by \x1f, rows by \x1e, no header
    local c port errors status
    c=$(canonical_conn REPLICATE_TEST_MSSQL)
    port=$(canonical_field "$c" Port)
    errors=$(mktemp)
    tsql -H "$(canonical_field "$c" Server)" -p "${port:-1433}" -U "$(canonical_field "$c" UID)" \
        -P "$(canonical_field "$c" PWD)" -D "$(canonical_field "$c" Database)" -J UTF-8 -o fhq \
        -t $'\x1f' -r $'\x1e' 2>"$errors"
    status=$?
    # tsql exits 0 whatever the server said: a message of severity 11 or more is a failure.
    if grep -q '^Msg [0-9]* (severity \(1[1-9]\|2[0-9]\)' "$errors"; then
        grep -A2 '^Msg ' "$errors" | head -6 >&2
        status=1
    fi
    rm -f "$errors"
    return $status
}
# canonical_mssql_sql SQL: runs SQL as one batch with tsql (failing on any error), rows tab-
# separated.
canonical_mssql_sql() {
    local out
    out=$(printf 'SET NOCOUNT ON\nSET TEXTSIZE 2147483647\n%s\ngo\n' "$1" | canonical_mssql) || { echo "canonical.sh: tsql failed on: ${1:0:200}" >&2; return 1; }
    printf '%s' "$out" | tr '\036\037' '\n\t' | sed '/^$/d'
}
# canonical_mssql_kind DATA_TYPE SCALE: SQL Server's catalog names (float is 8 bytes, real 4;
# timestamp is rowversion).
canonical_mssql_kind() {
    case ${1,,} in
        bit|tinyint|smallint|int|bigint) echo int ;;
        decimal|numeric) echo "dec:${2:-0}" ;;
        money|smallmoney) echo "dec:4" ;;
        float) echo float8 ;;
        real) echo float4 ;;
        date) echo date ;;
        datetime|datetime2|smalldatetime) echo ts ;;
        time) echo time ;;
        char|varchar|nchar|nvarchar|text|ntext|uniqueidentifier|xml|datetimeoffset) echo text ;;
        binary|varbinary|image|timestamp|rowversion) echo bin ;;
        *) echo "unknown:$1" ;;
    esac
}

# canonical_kind DECLARED_TYPE: the canonical kind of a column (int, dec:SCALE, float4,
# float8, text, bin, date, ts, bool) from its type as the catalog names it.
canonical_kind() {
    local t=${1,,} scale=${2:-}
    case $t in
        boolean|bool) echo bool ;;
        *datetime*|*timestamp*) echo ts ;;
        date) echo date ;;
        *int*|bit|bit\(*) echo int ;;
        numeric*|decimal*|*dec\(*)
            if [ -z "$scale" ]; then scale=$(echo "$t" | sed -n 's/.*,[[:space:]]*\([0-9]*\)).*/\1/p'); fi
            echo "dec:${scale:-0}" ;;
        real|float|float4|real_text) echo float4 ;;
        *doub*|float8|*floa*) echo float8 ;;
        *char*|*text*|*clob*|string) echo text ;;
        *bin*|*blob*|bytea|*rowversion*) echo bin ;;
        *) echo "unknown:$t" ;;
    esac
}

# canonical_expr DBMS KIND COLUMN_SQL: the SQL that prints the column canonically.
canonical_expr() {
    local dbms=$1 kind=$2 c=$3 e
    local trim_dec
    case $dbms:$kind in
        postgresql:int) e="$c::text" ;;
        postgresql:bool) e="$c::int::text" ;;
        postgresql:dec:*) e="trim_scale($c)::text" ;;
        postgresql:float*) e="$c::text" ;;
        postgresql:text) e="upper(encode(convert_to($c::text, 'UTF8'), 'hex'))" ;;
        postgresql:bin) e="upper(encode($c, 'hex'))" ;;
        postgresql:date) e="to_char($c, 'YYYY-MM-DD')" ;;
        postgresql:ts) e="to_char($c, 'YYYY-MM-DD HH24:MI:SS.US') || '000'" ;;
        mariadb:int|mariadb:bool) e="CAST($c + 0 AS CHAR)" ;;
        mariadb:dec:*)
            trim_dec="TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM CAST($c AS CHAR)))"
            e="CASE WHEN CAST($c AS CHAR) LIKE '%.%' THEN $trim_dec ELSE CAST($c AS CHAR) END" ;;
        mariadb:float*) e="CAST(CAST($c AS DOUBLE) AS CHAR)" ;;
        mariadb:text|mariadb:bin) e="HEX($c)" ;;
        mariadb:date) e="DATE_FORMAT($c, '%Y-%m-%d')" ;;
        mariadb:ts) e="CONCAT(DATE_FORMAT($c, '%Y-%m-%d %H:%i:%s.%f'), '000')" ;;
        sqlite:int|sqlite:bool) e="CAST($c AS TEXT)" ;;
        sqlite:dec:*)
            # REAL storage: rounded to the declared scale; text or integer storage: as stored.
            e="CASE typeof($c) WHEN 'real' THEN printf('%.${kind#dec:}f', $c) ELSE CAST($c AS TEXT) END"
            e="CASE WHEN ($e) LIKE '%.%' THEN rtrim(rtrim($e, '0'), '.') ELSE $e END" ;;
        sqlite:float*) e="quote($c)" ;;
        sqlite:text|sqlite:bin) e="hex($c)" ;;
        sqlite:date) e="substr($c, 1, 10)" ;;
        # SQL Server: an indicator and the server's text; canonical_mssql_rows finishes them.
        sqlserver:int) e="CAST(CAST($c AS bigint) AS varchar(30))" ;;
        sqlserver:dec:*) e="CAST($c AS varchar(60))" ;;
        sqlserver:float*) e="CONVERT(varchar(40), $c, 3)" ;;
        sqlserver:text) e="CAST($c AS nvarchar(max))" ;;
        sqlserver:bin) e="$c" ;;
        sqlserver:date) e="CONVERT(char(10), $c, 23)" ;;
        sqlserver:ts) e="CONVERT(varchar(30), $c, 121)" ;;
        sqlserver:time) e="CAST($c AS varchar(30))" ;;
        sqlite:ts)
            # ISO text as stored ('T' or ' ', any number of fraction digits) to nanoseconds.
            e="substr(replace($c, 'T', ' '), 1, 19) || '.' || substr(substr($c, 21) || '000000000', 1, 9)"
            e="CASE WHEN length($c) = 10 THEN $c || ' 00:00:00.000000000' ELSE $e END" ;;
        *) echo "canonical.sh: no canonical form for $kind in $dbms" >&2; return 1 ;;
    esac
    if [ "$dbms" = sqlserver ]; then
        # Two fields: N (NULL) or V, then the value (types differ, so no CASE joins them).
        echo "CASE WHEN $c IS NULL THEN 'N' ELSE 'V' END, $e"
        return 0
    fi
    # Decimals: a value of 0 in any spelling ("-0", "0.0000", "-0.00") prints as 0.
    case $kind in dec:*) e="CASE WHEN $c = 0 THEN '0' ELSE $e END" ;; esac
    echo "CASE WHEN $c IS NULL THEN 'NULL' ELSE $e END"
}

# canonical_mssql_rows KIND...: tsql's records (indicator and value per column) on stdin to
# canonical lines: text as UTF-8 hex, binary upper hex, decimals without trailing zeros,
# floats without padding (CONVERT style 3: SQL Server 2016 and later), timestamps with nine
# fraction digits. (tsql takes the password with -P: test servers only.)
canonical_mssql_rows() {
    python3 -c '
import sys
kinds = sys.argv[1:]
data = sys.stdin.buffer.read()
for record in data.split(b"\x1e"):
    if not record.strip(b"\r\n"):
        continue
    fields = record.split(b"\x1f")
    if len(fields) != 2 * len(kinds):
        sys.exit("canonical.sh: tsql gave %d fields for %d columns" % (len(fields), len(kinds)))
    out = []
    for k, kind in enumerate(kinds):
        flag, value = fields[2 * k].strip(), fields[2 * k + 1]
        if flag == b"N":
            out.append("NULL")
            continue
        if kind == "text":
            out.append(value.hex().upper())
            continue
        v = value.decode().strip()
        if kind == "bin":
            v = v.upper()
        elif kind.startswith("dec:"):
            neg = v.startswith("-")
            if "." in v:
                v = v.rstrip("0").rstrip(".")
            if v.lstrip("-") in ("0", ""):
                v = "0"
        elif kind == "ts":
            day, _, time = v.partition(" ")
            hms, _, frac = time.partition(".")
            v = day + " " + hms + "." + (frac + "000000000")[:9]
        out.append(v)
    print("\t".join(out))
' "$@"
}

# canonical_dump DBMS TABLE [SCHEMA]
canonical_dump() {
    local dbms=$1 table=$2 schema=${3:-} file="" cols kinds=() names=() exprs=() q from
    case $dbms in sqlite:*) file=${dbms#sqlite:}; dbms=sqlite ;; esac
    local in_schema="'$schema'"
    if [ -z "$schema" ]; then
        case $dbms in postgresql) in_schema="current_schema()" ;; *) in_schema="DATABASE()" ;; esac
    fi
    case $dbms in
        postgresql)
            cols=$(canonical_pg_psql -c "SELECT column_name, data_type, coalesce(numeric_scale::text, '')
                FROM information_schema.columns WHERE table_name = '$table'
                AND table_schema = $in_schema ORDER BY ordinal_position") || return 1
            q='"'
            from="${schema:+\"$schema\".}\"$table\"" ;;
        mariadb)
            cols=$(canonical_maria -e "SELECT COLUMN_NAME, COLUMN_TYPE, COALESCE(NUMERIC_SCALE, '')
                FROM information_schema.COLUMNS WHERE TABLE_NAME = '$table'
                AND TABLE_SCHEMA = $in_schema ORDER BY ORDINAL_POSITION") || return 1
            q='`'
            from="${schema:+\`$schema\`.}\`$table\`" ;;
        sqlite)
            cols=$(sqlite3 -separator $'\t' "$file" "SELECT name, type, '' FROM pragma_table_info('$table') ORDER BY cid") || return 1
            q='"'
            from="\"$table\"" ;;
        sqlserver)
            in_schema="N'$schema'"
            [ -n "$schema" ] || in_schema="SCHEMA_NAME()"
            cols=$(canonical_mssql_sql "SELECT COLUMN_NAME, DATA_TYPE, COALESCE(CAST(NUMERIC_SCALE AS varchar(10)), '')
                FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = N'$table'
                AND TABLE_SCHEMA = $in_schema ORDER BY ORDINAL_POSITION") || return 1
            q='['
            from="${schema:+[$schema].}[$table]" ;;
        *) echo "canonical.sh: unknown DBMS $dbms" >&2; return 1 ;;
    esac
    [ -n "$cols" ] || { echo "canonical.sh: $dbms has no table $table" >&2; return 1; }
    local name type scale kind close=$q
    [ "$q" = '[' ] && close=']'
    while IFS=$'\t' read -r name type scale; do
        if [ "$dbms" = sqlserver ]; then kind=$(canonical_mssql_kind "$type" "$scale"); else kind=$(canonical_kind "$type" "$scale"); fi
        # SQLite's REAL is an 8-byte double whatever the declared name says.
        [ "$dbms:$kind" = sqlite:float4 ] && kind=float8
        names+=("$name:${kind/bool/int}")  # a boolean and a 0/1 integer print alike
        kinds+=("$kind")
        case $dbms:${type,,} in
            # CAST of money to text keeps 2 decimals on SQL Server (CAST and CONVERT): through
            # decimal(19,4), which holds every money value, all 4 (also on Babelfish, whose
            # CONVERT styles for money differ).
            sqlserver:money|sqlserver:smallmoney)
                exprs+=("CASE WHEN $q$name$close IS NULL THEN 'N' ELSE 'V' END, CAST(CAST($q$name$close AS decimal(19,4)) AS varchar(60))") ;;
            *) exprs+=("$(canonical_expr "$dbms" "$kind" "$q$name$close")") || return 1 ;;
        esac
    done <<<"$cols"
    (IFS=$'\t'; echo "# ${names[*]}")
    local select
    select=$(IFS=,; echo "${exprs[*]}")
    case $dbms in
        postgresql) canonical_pg_psql -c "SELECT $select FROM $from" ;;
        mariadb) canonical_maria -e "SELECT $select FROM $from" ;;
        sqlite) sqlite3 -separator $'\t' "$file" "SELECT $select FROM $from" ;;
        sqlserver)
            local out
            out=$(printf 'SET TEXTSIZE 2147483647\nSELECT %s FROM %s\ngo\n' "$select" "$from" | canonical_mssql) || return 1
            printf '%s' "$out" | canonical_mssql_rows "${kinds[@]}" ;;
    esac | LC_ALL=C sort
    return "${PIPESTATUS[0]}"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    canonical_env=${1:?servers.env}
    shift
    if [ "${2:-}" = --file ]; then
        case $1 in
            postgresql) canonical_pg_psql -f "$3" ;;
            mariadb) canonical_maria <"$3" ;;
            sqlserver) canonical_mssql_sql "$(cat "$3")" ;;
            sqlite:*) sqlite3 -bail -separator $'\t' "${1#sqlite:}" <"$3" ;;
            *) echo "canonical.sh: unknown DBMS $1" >&2; exit 1 ;;
        esac
        exit
    fi
    if [ "${2:-}" = --sql ]; then
        case $1 in
            postgresql) canonical_pg_psql -c "$3" ;;
            mariadb) canonical_maria -e "$3" ;;
            sqlserver) canonical_mssql_sql "$3" ;;
            sqlite:*) sqlite3 -separator $'\t' "${1#sqlite:}" "$3" ;;
            *) echo "canonical.sh: unknown DBMS $1" >&2; exit 1 ;;
        esac
        exit
    fi
    canonical_dump "$@"
fi
