#!/usr/bin/env bash
# The clinical API against raw PostgreSQL, measured in one run on this machine.
#   bench/clinical.sh [seconds] [connections]
# Builds the release binary, starts `soapstone dev` on a throwaway data folder, adds 10 000
# patients and 6 000 draft notes (bench/clinical-seed.sql), then for each request —
# GET /v1/patients/{id}, GET /v1/patients?q=, PUT /v1/notes/{id} — measures:
#   peak  wrk, 2 threads, <connections> connections, after a 5 s warm-up
#   raw   pgbench running the same statements at the same concurrency (bench/pgbench/),
#         both in two halves: peak, raw, raw, peak
#   half  wrk paced to about half the peak rate (BENCH_DELAY_MS), for its p99, and pgbench
#         paced to the same rate, for PostgreSQL's own
# then the RLS cost (patient_read.sql as soapstone_server against the same statements with
# an explicit tenant_id condition as bench_unbound, the app's grants and BYPASSRLS), and the
# list queries' plans.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
connections=${2:-8}
source bench/dev-server.sh
port=18081
start_dev_server $port

# The cluster `dev` started: port and socket folder are lines 4 and 5 of postmaster.pid.
pgport=$(sed -n 4p "$data/pg/postmaster.pid")
socket=$(sed -n 5p "$data/pg/postmaster.pid")
as() { local role=$1; shift; psql -X -q -v ON_ERROR_STOP=1 -h "$socket" -p "$pgport" -U "$role" -d soapstone "$@"; }
as postgres -f bench/clinical-seed.sql
tenant=$(as postgres -At -c "SELECT tenant_id FROM tenants WHERE slug = 'northside'")
user=$(as postgres -At -c "SELECT id FROM users WHERE email = 'physician@northside.example'")
token=$(curl -sf "http://127.0.0.1:$port/v1/auth/login" -H 'Content-Type: application/json' \
    -d '{"tenant":"northside","email":"physician@northside.example","password":"soapstone-dev-password"}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

url="http://127.0.0.1:$port/v1/patients"
http() { # mode block [delay_ms] [seconds]
    BENCH_DELAY_MS=${3:-} wrk -t2 -c"$connections" -d"${4:-$seconds}s" --latency -s bench/clinical.lua "$url" \
        -- "$1" "$token" "$2" | grep '^http '
}
raw() { # seconds note_offset role, then pgbench's script options
    local duration=$1 offset=$2 role=$3; shift 3
    PGHOST=$socket PGPORT=$pgport pgbench -n -M extended -c "$connections" -j 2 -T "$duration" -U "$role" \
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
    PGHOST=$socket PGPORT=$pgport pgbench -n -M extended -c "$connections" -j 2 -T "$seconds" -R "$rate" -U soapstone_server \
        -D tenant="$tenant" -D user="$user" -D current_version=1 -D note_offset=900 -l --log-prefix="$data/paced" "$@" soapstone >/dev/null 2>&1
    cat "$data"/paced.* | python3 -c '
import sys
latencies = sorted(int(line.split()[2]) for line in sys.stdin if line.strip())
print(f"paced per_second={len(latencies) / '"$seconds"':.1f} p99_ms={latencies[int(len(latencies) * 0.99)] / 1000:.2f}")'
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }

searches=()
for prefix in gar smi ngu mul oka joh kow had ros tan dub nov sil kim ahm bro mar sch lop iva; do
    sed "s/@prefix@/$prefix/g" bench/pgbench/patient_search.sql >"$data/search-$prefix.sql"
    searches+=(-f "$data/search-$prefix.sql")
done

declare -A script=([read]="-f bench/pgbench/patient_read.sql" [search]="${searches[*]}" [save]="-f bench/pgbench/note_save.sql")
echo "mode | HTTP/s | raw tps | ratio | HTTP mean ms | raw mean ms | half-rate req/s | HTTP p99 at half rate ms | raw p99 at that rate ms | failed"
# The peak and pgbench are each measured in two halves, in the order HTTP, pgbench, pgbench,
# HTTP: the machine's speed drifts over the minutes of a run (by a tenth between runs minutes
# apart), and this way a drift weighs on both sides of the ratio alike.
half=$((seconds / 2))
for mode in read search save; do
    http "$mode" 0 "" 5 >/dev/null
    first=$(http "$mode" 1 "" "$half")
    # shellcheck disable=SC2086 # the script options are words on purpose
    pg=$(both "$(raw "$half" 0 soapstone_server ${script[$mode]})" "$(raw "$half" 100 soapstone_server ${script[$mode]})")
    peak=$(both "$first" "$(http "$mode" 4 "" "$half")")
    # Pace each connection to half the peak rate: its interval, less the time a request takes.
    interval=$(python3 -c "print(2000 * $connections / $(field per_second "$peak"))")
    probe=$(http "$mode" 2 "$(python3 -c "print(max(0, round($interval - $(field mean_ms "$peak") / 2)))")" 5)
    half_rate=$(http "$mode" 3 "$(python3 -c "print(max(0, round($interval - $(field mean_ms "$probe"))))")")
    # shellcheck disable=SC2086
    paced=$(raw_paced "$(field per_second "$half_rate")" ${script[$mode]})
    python3 - "$mode" "$peak" "$half_rate" "$pg" "$paced" <<'PY'
import sys
def fields(line): return dict(part.split("=") for part in line.split() if "=" in part)
mode, peak, half, raw, paced = sys.argv[1], fields(sys.argv[2]), fields(sys.argv[3]), fields(sys.argv[4]), fields(sys.argv[5])
ratio = float(peak["per_second"]) / float(raw["tps"])
failed = int(peak["failed"]) + int(half["failed"]) + int(raw["failed"] or 0)
print(f"{mode} | {float(peak['per_second']):.0f} | {float(raw['tps']):.0f} | {ratio:.2f} | {peak['mean_ms']} | {raw['mean_ms']} "
      f"| {float(half['per_second']):.0f} | {half['p99_ms']} | {paced['p99_ms']} | {failed}")
PY
done

echo
echo "RLS cost: patient_read.sql, soapstone_server with the policies / bench_unbound with WHERE tenant_id ="
# Four alternations, each pair in the other order than the last (as above, for the drift).
rls_total=0 explicit_total=0
for round in 1 2 3 4; do
    if ((round % 2)); then
        rls=$(raw "$half" 0 soapstone_server -f bench/pgbench/patient_read.sql)
        explicit=$(raw "$half" 0 bench_unbound -f bench/pgbench/patient_read_explicit.sql)
    else
        explicit=$(raw "$half" 0 bench_unbound -f bench/pgbench/patient_read_explicit.sql)
        rls=$(raw "$half" 0 soapstone_server -f bench/pgbench/patient_read.sql)
    fi
    rls_total=$(python3 -c "print($rls_total + $(field tps "$rls"))")
    explicit_total=$(python3 -c "print($explicit_total + $(field tps "$explicit"))")
    echo "round $round: RLS $(field tps "$rls" | cut -d. -f1) tps, explicit $(field tps "$explicit" | cut -d. -f1) tps"
done
python3 -c "print(f'RLS keeps {$rls_total / $explicit_total:.3f} of the throughput ({$rls_total / 4:.0f} against {$explicit_total / 4:.0f} tps)')"

echo
echo "Plans (as soapstone_server, tenant northside, 10 000 patients):"
as soapstone_server <<SQL
BEGIN;
SELECT soapstone_set_tenant('$tenant', NULL) \g /dev/null
\echo '-- GET /v1/patients?q=wri (first page; one ordered, limited range per way of matching)'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT id FROM (
    (SELECT id, family_key, given_key FROM patients WHERE starts_with(family_key, search_key('wri'))
      ORDER BY family_key, given_key, id LIMIT 21)
    UNION (SELECT id, family_key, given_key FROM patients WHERE starts_with(given_key, search_key('wri'))
      ORDER BY family_key, given_key, id LIMIT 21)
    UNION (SELECT id, family_key, given_key FROM patients WHERE mrn_key = search_key('wri') ORDER BY family_key, given_key, id LIMIT 21)
) AS matches ORDER BY family_key, given_key, id LIMIT 21;
\echo '-- GET /v1/patients?cursor= (no q, a later page)'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT id FROM patients WHERE (family_key, given_key, id) > ('mendes', 'ana', '00000000-0000-4000-8000-000000000000')
 ORDER BY family_key, given_key, id LIMIT 21;
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
