#!/usr/bin/env bash
# Scale-out through the tools against PostgreSQL: --plan-json, --partition KEY, --shard K/N
# (with and without --plan FILE), N processes started at once. The source is made by psql's
# own SQL with months of very different sizes; the results are read with psql and jq: each
# partition of the plan in the ledger exactly once, the shares disjoint and covering the plan,
# the target equal to the source. Also: the Kubernetes and Airflow examples parse, and the
# schedule examples' command lines are accepted by the tool.
# Usage: test_scale_out.sh BIN_DIR SOURCE_DIR SERVERS_ENV
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"
both_servers
tag="so$$"
py=/usr/bin/python3

psql_q -c "CREATE SCHEMA ${tag}_src; CREATE SCHEMA ${tag}_dw;
CREATE TABLE ${tag}_src.sales (id bigint, sold_at timestamp(3), amount numeric(12,2), note text);
INSERT INTO ${tag}_src.sales
SELECT i, timestamp '2025-01-01' + ((i * i) % 31536000) * interval '1 second',
       (i % 1000) / 10.0, 'sale ' || i
FROM generate_series(1, 30000) i;
-- December is the busy month: most rows fall in it.
INSERT INTO ${tag}_src.sales
SELECT 100000 + i, timestamp '2025-12-01' + i * interval '1 minute', i % 7, 'december ' || i
FROM generate_series(1, 20000) i;
CREATE TABLE ${tag}_src.items (id bigint, sold_at date, qty int);
INSERT INTO ${tag}_src.items SELECT i, date '2025-01-01' + (i % 365), i % 9 FROM generate_series(1, 9000) i;"

printf '[source]\nconnection = "%s"\nschema = "%s_src"\n[target]\nconnection = "%s"\nschema = "%s_dw"\n[run]\nmax_workers = 2\n' \
    "$pg_conn" "$tag" "$pg_conn" "$tag" >job.toml
printf '[[sales]]\ntable = "sales"\ndate_column = "sold_at"\n[[sales]]\ntable = "items"\ndate_column = "sold_at"\n' >>job.toml
range=(--start-date 2025-01-01 --end-date 2025-12-31)
run() { "$bin/replicate_all_sales" --config job.toml --log-level warning "$@"; }

# ---- --plan-json ---------------------------------------------------------------------------
run "${range[@]}" --plan-json >plan.json 2>plan.err
code=$?
n_plan=$(jq '.partitions | length' plan.json 2>/dev/null)
rows_plan=$(jq '[.partitions[].estimated_rows] | add' plan.json 2>/dev/null)
[ "$code" = 0 ] && [ "$n_plan" = 24 ] && [ "$rows_plan" = 59000 ] \
    && jq -e 'all(.partitions[]; .key == .table + ":" + .lo + ".." + .hi and .estimate == "count")' plan.json >/dev/null \
    && ok "--plan-json: 24 partitions (2 tables x 12 months), keys TABLE:LO..HI, 59000 rows estimated by counting" \
    || { bad "--plan-json: exit $code, $n_plan partitions, $rows_plan rows"; head -c 400 plan.json; cat plan.err; }
[ "$(psql_q -c "SELECT count(*) FROM information_schema.tables WHERE table_schema = '${tag}_dw'")" = 0 ] \
    && ok "--plan-json wrote nothing to the target" || bad "--plan-json created tables in the target"

# target equals source, as psql prints both
equal_to_source() {
    for t in sales items; do
        canonical postgresql "$t" "${tag}_src" | tail -n +2 >"src.$t"
        canonical postgresql "$t" "${tag}_dw" | tail -n +2 >"dst.$t"
        cmp -s "src.$t" "dst.$t" || return 1
    done
}
ledger_once() {  # every plan key exactly once in the ledger
    psql_q -c "SELECT source_table || ':' || range_lo || '..' || range_hi FROM ${tag}_dw.replicate_ledger" | sort >ledger.keys
    jq -r '.partitions[].key' plan.json | sort >plan.keys
    cmp -s ledger.keys plan.keys
}
reset_target() { psql_q -c "DROP SCHEMA ${tag}_dw CASCADE; CREATE SCHEMA ${tag}_dw" >/dev/null; }

# ---- N processes at once, each --shard k/N ---------------------------------------------------
for n in 3 5; do
    reset_target
    pids=()
    for k in $(seq 0 $((n - 1))); do
        run "${range[@]}" --shard "$k/$n" --report "shard$k.json" >"shard$k.out" 2>&1 &
        pids+=($!)
    done
    codes=""
    for p in "${pids[@]}"; do wait "$p"; codes="$codes $?"; done
    jq -r '.partitions[] | .table + ":" + .lo + ".." + .hi' shard*.json | sort >shards.keys
    jq -r '.partitions[].key' plan.json | sort >plan.keys
    counts=$(for k in $(seq 0 $((n - 1))); do jq '.partitions | length' "shard$k.json"; done | tr '\n' ' ')
    [ -z "$(echo "$codes" | tr -d ' 0')" ] && cmp -s shards.keys plan.keys \
        && ok "$n processes --shard k/$n at once: all exit 0, their partitions ($counts) are the plan's 24, each once" \
        || { bad "$n shards: exits$codes, partitions $counts"; diff shards.keys plan.keys | head -5; }
    ledger_once && ok "$n shards: the ledger (psql) holds each partition of the plan exactly once" \
        || { bad "$n shards: ledger differs from the plan"; diff ledger.keys plan.keys | head -5; }
    equal_to_source && ok "$n shards: the target equals the source, as psql prints both" \
        || bad "$n shards: the target differs from the source"
    rm -f shard*.json
done
# Balanced by estimated rows: with 3 shares, December's 21,000+ rows of sales sit alone or
# nearly so; no share holds more than the heaviest partition plus the average.
python_balance=$(jq -r '[.partitions[].estimated_rows] | (max) as $m | (add / 3) as $avg | "\($m) \($avg)"' plan.json)

# ---- the same with one plan file for every process --------------------------------------------
reset_target
pids=()
for k in 0 1 2 3; do
    run "${range[@]}" --shard "$k/4" --plan plan.json --report "p$k.json" >"p$k.out" 2>&1 &
    pids+=($!)
done
codes=""
for p in "${pids[@]}"; do wait "$p"; codes="$codes $?"; done
loads=$(for k in 0 1 2 3; do jq '[.partitions[].rows] | add' "p$k.json"; done | tr '\n' ' ')
[ -z "$(echo "$codes" | tr -d ' 0')" ] && ledger_once && equal_to_source \
    && ok "--shard k/4 --plan plan.json: 4 processes cover the plan once (rows per share: $loads; heaviest partition, average: $python_balance)" \
    || { bad "--plan shards: exits$codes"; tail -3 p0.out; }
max_load=$(echo "$loads" | tr ' ' '\n' | sort -n | tail -1)
read -r heaviest average <<<"$python_balance"
[ "$max_load" -le $((heaviest + ${average%.*})) ] && ok "the heaviest share ($max_load rows) is within the heaviest partition plus the average" \
    || bad "unbalanced shares: $loads"

# ---- --partition KEY: exactly one partition, as in a full run ---------------------------------
reset_target
key=$(jq -r '.partitions[5].key' plan.json)
run --partition "$key" --report one.json >one.out 2>&1
code=$?
run_id=$(jq -r .run_id one.json)
in_ledger=$(psql_q -c "SELECT source_table || ':' || range_lo || '..' || range_hi || ' ' || run_id FROM ${tag}_dw.replicate_ledger")
[ "$code" = 0 ] && [ "$in_ledger" = "$key $run_id" ] && [ "$(jq '.partitions | length' one.json)" = 1 ] \
    && ok "--partition $key: exit 0, one partition, the ledger holds it with this run's id" \
    || { bad "--partition: exit $code, ledger '$in_ledger'"; tail -3 one.out; }
status=$(psql_q -c "SELECT status FROM ${tag}_dw.replicate_run WHERE run_id = '$run_id'")
[ "$status" = ok ] && ok "--partition: the run history says ok" || bad "--partition: replicate_run status '$status'"
for badkey in "sales:2025-01-01..2025-03-01" "nosuch:2025-01-01..2025-02-01" "sales:2025-13-01..2025-14-01" "sales"; do
    run --partition "$badkey" >bad.out 2>&1
    code=$?
    [ "$code" = 2 ] && [ "$(wc -l <bad.out)" = 1 ] && ok "--partition '$badkey': exit 2, one line" \
        || { bad "--partition '$badkey': exit $code"; cat bad.out; }
done
run "${range[@]}" --shard 3/3 >bad.out 2>&1
[ $? = 2 ] && ok "--shard 3/3: exit 2 (K is 0..N-1)" || bad "--shard 3/3 was accepted"

# ---- the examples: they parse, and their command lines are accepted -----------------------------
if $py -c 'import yaml' 2>/dev/null; then
    $py - "$src/examples/kubernetes" <<'EOF' && ok "examples/kubernetes: every YAML document parses, the Job is Indexed and passes --shard \${JOB_COMPLETION_INDEX}/completions" || bad "examples/kubernetes does not parse or lacks the shard wiring"
import glob, sys, yaml
docs = [d for f in sorted(glob.glob(sys.argv[1] + "/*.yaml")) for d in yaml.safe_load_all(open(f)) if d]
job = next(d for d in docs if d["kind"] == "Job")
spec = job["spec"]
args = " ".join(spec["template"]["spec"]["containers"][0]["args"])
assert spec["completionMode"] == "Indexed"
assert '--shard "${JOB_COMPLETION_INDEX}/%d"' % spec["completions"] in args, args
assert {d["kind"] for d in docs} == {"Job", "ConfigMap", "Secret"}
EOF
else
    bad "python3-yaml is missing (tests/support/install_deps.sh test installs it)"
fi
$py -m py_compile "$src/examples/airflow/replicate_dag.py" && ok "examples/airflow: the DAG compiles" \
    || bad "examples/airflow/replicate_dag.py does not compile"
# The job file inside the ConfigMap is a valid job file (passwords from the environment).
$py - "$src/examples/kubernetes/configmap.yaml" >cm.toml <<'EOF'
import sys, yaml
print(yaml.safe_load(open(sys.argv[1]))["data"]["job.toml"])
EOF
SOURCE_PASSWORD=x TARGET_PASSWORD=y "$bin/replicate_all_sales" --config cm.toml --print-config >cm.out 2>&1 \
    && grep -q 'time_zone = "Asia/Kuala_Lumpur"' cm.out && ok "examples/kubernetes: the ConfigMap's job file loads (--print-config)" \
    || { bad "the ConfigMap's job file does not load"; head -3 cm.out; }
# The systemd unit's and the crontab's command lines are accepted by the tool.
exec_start=$(sed -n '/^ExecStart=/,/[^\\]$/p' "$src/examples/schedule/replicate-nightly.service" | sed 's/^ExecStart=//; s/\\$//' | tr '\n' ' ')
cron_cmd=$(grep -E '^[0-9]' "$src/examples/schedule/crontab" | sed 's/.*&& \(\/usr\/local\/bin\/replicate_all_sales[^;]*\);.*/\1/')
for cmd in "$exec_start" "$cron_cmd"; do
    # shellcheck disable=SC2086
    set -- $cmd
    shift
    args=()
    for a in "$@"; do
        case $a in /etc/libreplicate/job.toml) args+=("$work/job.toml") ;; /var/*) args+=("$work/ignored") ;; *) args+=("$a") ;; esac
    done
    "$bin/replicate_all_sales" "${args[@]}" --print-config >sched.out 2>&1 \
        && ok "examples/schedule: '$(echo "$cmd" | cut -c1-60)...' is accepted by the tool" \
        || { bad "examples/schedule command refused: $cmd"; head -2 sched.out; }
done
if command -v systemd-analyze >/dev/null; then
    systemd-analyze verify --man=no "$src/examples/schedule/replicate-nightly.timer" >sa.out 2>&1
    grep -qiE "unknown|invalid|syntax" sa.out && { bad "systemd-analyze: $(head -2 sa.out)"; } \
        || ok "examples/schedule: systemd-analyze finds no syntax error"
else
    echo "note: systemd-analyze is not installed: the unit files' syntax is not checked by systemd here"
fi
[ "$(grep -E '^[0-9]' "$src/examples/schedule/crontab" | awk '{print NF >= 6}')" = 1 ] \
    && ok "examples/schedule/crontab: a five-field schedule and a command" || bad "crontab line malformed"

psql_q -c "DROP SCHEMA ${tag}_src CASCADE; DROP SCHEMA ${tag}_dw CASCADE" >/dev/null
finish
