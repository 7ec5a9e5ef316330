#!/usr/bin/env bash
# The demo's source beside a copy of it, table by table, by sqlite3 itself: rows on each side
# and rows differing in either direction (decimals compared by value). Exit 1 if any differ.
#   compare.sh SOURCE.db COPY.db HEADING      (the copy's tables are named com_5013_<table>)
set -euo pipefail
source_db=$1 copy_db=$2
printf '%-28s %10s %10s %10s\n' table source "$3" differ
differing=0
for t in $(sqlite3 "$source_db" "select name from sqlite_master where type='table' order by name"); do
    cols=$(sqlite3 "$source_db" "select group_concat('\"' || name || '\"' ||
        case when lower(type) like 'decimal%' then ' + 0' else '' end, ', ') from pragma_table_info('$t')")
    read -r s d x <<<"$(sqlite3 -separator ' ' "$copy_db" "attach '$source_db' as s;
        select (select count(*) from s.$t), (select count(*) from com_5013_$t),
               (select count(*) from (select $cols from s.$t except select $cols from com_5013_$t))
             + (select count(*) from (select $cols from com_5013_$t except select $cols from s.$t));")"
    printf '%-28s %10s %10s %10s\n' "$t" "$s" "$d" "$x"
    [ "$s" = "$d" ] && [ "$x" = 0 ] || differing=$((differing + 1))
done
[ "$differing" = 0 ] || { echo "error: $differing table(s) differ" >&2; exit 1; }
