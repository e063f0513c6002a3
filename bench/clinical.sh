#!/usr/bin/env bash
# The clinical API against raw PostgreSQL, measured in one run on this machine.
#   [BENCH_BASELINE=path/to/soapstone] bench/clinical.sh [seconds] [connections]
# Builds the release binary, starts `soapstone dev` on a throwaway data folder, adds 10 000
# patients and 6 000 draft notes (bench/clinical-seed.sql), then for each request —
# GET /v1/patients/{id}, GET /v1/patients?q=, PUT /v1/notes/{id} — measures:
#   peak  wrk, 2 threads, <connections> connections, after a 5 s warm-up
#   call  pgbench -M prepared running the server's one statement (bench/pgbench/<request>.sql,
#         the ceiling of the design, and since migration 18 also the single-function form)
#   five  pgbench -M prepared running the five statements the server ran before migration 18
#         (bench/pgbench/<request>_statements.sql), the alternative measured beside it
#   base  with BENCH_BASELINE, the same wrk against another build (today's main before the
#         change), started beside this one on a cluster of its own, seeded alike
#         all in halves, in the order peak, base, call, five, five, call, base, peak
#   half  wrk paced to about half the peak rate (BENCH_DELAY_MS), for its p99, and pgbench
#         paced to the same rate, for PostgreSQL's own
# then the RLS cost (patient_read.sql as soapstone_server under the policies against the same
# call as bench_unbound, the app's grants and BYPASSRLS; the function filters by tenant_id
# itself).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
connections=${2:-8}
source bench/dev-server.sh
port=18081
start_dev_server $port
cluster_of "$data"
as() { local role=$1; shift; psql -X -q -v ON_ERROR_STOP=1 -h "$socket" -p "$pgport" -U "$role" -d soapstone "$@"; }
as postgres -f bench/clinical-seed.sql
tenant=$(as postgres -At -c "SELECT tenant_id FROM tenants WHERE slug = 'northside'")
user=$(as postgres -At -c "SELECT id FROM users WHERE email = 'physician@northside.example'")
declare -A url=([peak]="http://127.0.0.1:$port/v1/patients") token=([peak]="$(physician_token $port)")

# The other build, on its own data folder and cluster, seeded alike.
if [[ -n ${BENCH_BASELINE:-} ]]; then
    base_port=18082
    main_data=$data
    launch_dev_server "$BENCH_BASELINE" $base_port
    psql_in "$data" -f bench/clinical-seed.sql
    data=$main_data
    url[base]="http://127.0.0.1:$base_port/v1/patients"
    token[base]=$(physician_token $base_port)
fi

http() { # target mode block [delay_ms] [seconds]
    BENCH_DELAY_MS=${4:-} wrk -t2 -c"$connections" -d"${5:-$seconds}s" --latency -s bench/clinical.lua "${url[$1]}" \
        -- "$2" "${token[$1]}" "$3" | grep '^http '
}
raw() { # seconds note_offset role, then pgbench's script options
    local duration=$1 offset=$2 role=$3; shift 3
    PGHOST=$socket PGPORT=$pgport pgbench -n -M prepared -c "$connections" -j 2 -T "$duration" -U "$role" \
        -D tenant="$tenant" -D user="$user" -D current_version=1 -D note_offset="$offset" "$@" soapstone 2>&1 |
        awk '/^latency average/ {lat=$4} /^tps/ {tps=$3} /^number of failed/ {failed=$5}
             END {printf "raw tps=%s mean_ms=%s failed=%s\n", tps, lat, failed}'
}
# Two equally long measurements as one: rates and means averaged, failures added.
both() {
    python3 - "$1" "$2" <<'PY'
import sys
a, b = (dict(part.split("=") for part in line.split() if "=" in part) for line in sys.argv[1:])
merged = {k: (int(a[k] or 0) + int(b[k] or 0)) if k == "failed" else (float(a[k]) + float(b[k])) / 2
          for k in a if k in ("per_second", "tps", "mean_ms", "failed")}
print("both " + " ".join(f"{k}={round(v, 2)}" for k, v in merged.items()))
PY
}
# The same statements paced at a rate (pgbench -R), for PostgreSQL's own p99 at that rate.
raw_paced() { # rate, then pgbench's script options
    local rate=$1; shift
    rm -f "$data"/paced.*
    PGHOST=$socket PGPORT=$pgport pgbench -n -M prepared -c "$connections" -j 2 -T "$seconds" -R "$rate" -U soapstone_server \
        -D tenant="$tenant" -D user="$user" -D current_version=1 -D note_offset=900 -l --log-prefix="$data/paced" "$@" soapstone >/dev/null 2>&1
    cat "$data"/paced.* | python3 -c '
import sys
latencies = sorted(int(line.split()[2]) for line in sys.stdin if line.strip())
print(f"paced per_second={len(latencies) / '"$seconds"':.1f} p99_ms={latencies[int(len(latencies) * 0.99)] / 1000:.2f}")'
}

searches=() search_statements=()
for prefix in gar smi ngu mul oka joh kow had ros tan dub nov sil kim ahm bro mar sch lop iva; do
    sed "s/@prefix@/$prefix/g" bench/pgbench/patient_search.sql >"$data/search-$prefix.sql"
    sed "s/@prefix@/$prefix/g" bench/pgbench/patient_search_statements.sql >"$data/search-statements-$prefix.sql"
    searches+=(-f "$data/search-$prefix.sql")
    search_statements+=(-f "$data/search-statements-$prefix.sql")
done

declare -A script=([read]="-f bench/pgbench/patient_read.sql" [search]="${searches[*]}" [save]="-f bench/pgbench/note_save.sql")
declare -A statements=([read]="-f bench/pgbench/patient_read_statements.sql" [search]="${search_statements[*]}"
    [save]="-f bench/pgbench/note_save_statements.sql")
echo "mode | HTTP/s | call tps | ratio | five tps | base HTTP/s | HTTP / base | HTTP mean ms | call mean ms | half-rate req/s | HTTP p99 at half rate ms | call p99 at that rate ms | failed"
# Each figure is measured in two halves, in the order peak, base, call, five, five, call, base,
# peak: the machine's speed drifts over the minutes of a run (by a tenth between runs minutes
# apart), and this way a drift weighs on every side of a ratio alike.
half=$((seconds / 2))
base_pair() { # mode block: the other build's half, when there is one
    if [[ -n ${BENCH_BASELINE:-} ]]; then http base "$1" "$2" "" "$half"; else echo "http per_second=0 mean_ms=0 failed=0"; fi
}
for mode in read search save; do
    http peak "$mode" 0 "" 5 >/dev/null
    [[ -n ${BENCH_BASELINE:-} ]] && http base "$mode" 0 "" 5 >/dev/null
    first=$(http peak "$mode" 1 "" "$half")
    base_first=$(base_pair "$mode" 1)
    # shellcheck disable=SC2086 # the script options are words on purpose
    call_first=$(raw "$half" 0 soapstone_server ${script[$mode]})
    # shellcheck disable=SC2086
    five=$(both "$(raw "$half" 200 soapstone_server ${statements[$mode]})" "$(raw "$half" 300 soapstone_server ${statements[$mode]})")
    # shellcheck disable=SC2086
    pg=$(both "$call_first" "$(raw "$half" 100 soapstone_server ${script[$mode]})")
    base=$(both "$base_first" "$(base_pair "$mode" 4)")
    peak=$(both "$first" "$(http peak "$mode" 4 "" "$half")")
    # Pace each connection to half the peak rate: its interval, less the time a request takes.
    interval=$(python3 -c "print(2000 * $connections / $(field per_second "$peak"))")
    probe=$(http peak "$mode" 2 "$(python3 -c "print(max(0, round($interval - $(field mean_ms "$peak") / 2)))")" 5)
    half_rate=$(http peak "$mode" 3 "$(python3 -c "print(max(0, round($interval - $(field mean_ms "$probe"))))")")
    # shellcheck disable=SC2086
    paced=$(raw_paced "$(field per_second "$half_rate")" ${script[$mode]})
    python3 - "$mode" "$peak" "$half_rate" "$pg" "$paced" "$five" "$base" <<'PY'
import sys
def fields(line): return dict(part.split("=") for part in line.split() if "=" in part)
mode, peak, half, raw, paced, five, base = sys.argv[1], *map(fields, sys.argv[2:])
ratio = float(peak["per_second"]) / float(raw["tps"])
base_rate = float(base["per_second"])
speedup = f"{float(peak['per_second']) / base_rate:.2f}" if base_rate else "-"
failed = int(peak["failed"]) + int(half["failed"]) + int(raw["failed"] or 0) + int(five["failed"] or 0) + int(float(base["failed"]))
print(f"{mode} | {float(peak['per_second']):.0f} | {float(raw['tps']):.0f} | {ratio:.2f} | {float(five['tps']):.0f} "
      f"| {base_rate:.0f} | {speedup} | {peak['mean_ms']} | {raw['mean_ms']} "
      f"| {float(half['per_second']):.0f} | {half['p99_ms']} | {paced['p99_ms']} | {failed}")
PY
done

echo
echo "RLS cost: patient_read.sql, soapstone_server under the policies / bench_unbound (BYPASSRLS), the same call"
# Four alternations, each pair in the other order than the last (as above, for the drift).
rls_total=0 explicit_total=0
for round in 1 2 3 4; do
    if ((round % 2)); then
        rls=$(raw "$half" 0 soapstone_server -f bench/pgbench/patient_read.sql)
        explicit=$(raw "$half" 0 bench_unbound -f bench/pgbench/patient_read.sql)
    else
        explicit=$(raw "$half" 0 bench_unbound -f bench/pgbench/patient_read.sql)
        rls=$(raw "$half" 0 soapstone_server -f bench/pgbench/patient_read.sql)
    fi
    rls_total=$(python3 -c "print($rls_total + $(field tps "$rls"))")
    explicit_total=$(python3 -c "print($explicit_total + $(field tps "$explicit"))")
    echo "round $round: RLS $(field tps "$rls" | cut -d. -f1) tps, explicit $(field tps "$explicit" | cut -d. -f1) tps"
done
python3 -c "print(f'RLS keeps {$rls_total / $explicit_total:.3f} of the throughput ({$rls_total / 4:.0f} against {$explicit_total / 4:.0f} tps)')"

echo
echo "Plans (as soapstone_server, tenant northside, 10 000 patients):"
# The search runs inside its function: auto_explain shows the plan it keeps (a generic plan,
# made once per connection), for the first page of q=wri and a later page of the whole list.
search_plan() { # text after_patient
    nested_plans after_row <<SQL
SELECT count(*) FROM soapstone_search_patients('$tenant', NULL, NULL, $2, 20, $1, NULL, NULL, NULL, NULL, 'patient.list',
    'patient', NULL, NULL, NULL, NULL, NULL, 'success', '{}');
SQL
}
echo "-- GET /v1/patients?q=wri (first page; one ordered, limited range per way of matching)"
search_plan "'wri'" NULL
echo "-- GET /v1/patients?cursor= (no q, a later page)"
search_plan NULL "'00000000-0000-4000-8000-000000005000'"
as soapstone_server <<SQL
BEGIN;
SELECT soapstone_set_tenant('$tenant', NULL) \g /dev/null
\echo '-- GET /v1/patients/{id}/encounters'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT id FROM api_encounters WHERE patient_id = '00000000-0000-4000-8000-000000000042'
 ORDER BY started_at DESC NULLS FIRST, created_at DESC, id;
\echo '-- GET /v1/audit-events (first page, then filtered by patient)'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT id FROM api_audit_events ORDER BY occurred_at DESC, id DESC LIMIT 51;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT id FROM api_audit_events WHERE patient_id = '00000000-0000-4000-8000-000000000042'
 ORDER BY occurred_at DESC, id DESC LIMIT 51;
ROLLBACK;
SQL
