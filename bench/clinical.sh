#!/usr/bin/env bash
# The clinical API against raw PostgreSQL, measured in one run on this machine.
#   bench/clinical.sh [seconds] [connections]
# Builds the release binary, starts `soapstone dev` on a throwaway data folder, adds 10 000
# patients and 5 000 draft notes (bench/clinical-seed.sql), then for each request —
# GET /v1/patients/{id}, GET /v1/patients?q=, PUT /v1/notes/{id} — measures:
#   peak  wrk, 2 threads, <connections> connections, after a 5 s warm-up
#   half  wrk paced to about half the peak rate (BENCH_DELAY_MS), for its p99
#   raw   pgbench running the same statements at the same concurrency (bench/pgbench/)
# then the RLS cost (patient_read.sql as soapstone_server against the same statements with
# an explicit tenant_id condition as a role RLS does not bind), and the list queries' plans.
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
raw() { # role, then pgbench's script options
    local role=$1; shift
    PGHOST=$socket PGPORT=$pgport pgbench -n -M extended -c "$connections" -j 2 -T "$seconds" -U "$role" \
        -D tenant="$tenant" -D user="$user" -D current_version=1 -D note_offset=0 "$@" soapstone 2>&1 |
        awk '/^latency average/ {lat=$4} /^tps/ {tps=$3} /^number of failed/ {failed=$5}
             END {printf "raw tps=%s mean_ms=%s failed=%s\n", tps, lat, failed}'
}
# The same statements paced at a rate (pgbench -R), for PostgreSQL's own p99 at that rate.
raw_paced() { # rate, then pgbench's script options
    local rate=$1; shift
    rm -f "$data"/paced.*
    PGHOST=$socket PGPORT=$pgport pgbench -n -M extended -c "$connections" -j 2 -T "$seconds" -R "$rate" -U soapstone_server \
        -D tenant="$tenant" -D user="$user" -D current_version=1 -D note_offset=500 -l --log-prefix="$data/paced" "$@" soapstone >/dev/null 2>&1
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
for mode in read search save; do
    http "$mode" 0 "" 5 >/dev/null
    peak=$(http "$mode" 1)
    # Pace each connection to half the peak rate: its interval, less the time a request takes.
    interval=$(python3 -c "print(2000 * $connections / $(field per_second "$peak"))")
    probe=$(http "$mode" 2 "$(python3 -c "print(max(0, round($interval - $(field mean_ms "$peak") / 2)))")" 5)
    half=$(http "$mode" 3 "$(python3 -c "print(max(0, round($interval - $(field mean_ms "$probe"))))")")
    # shellcheck disable=SC2086 # the script options are words on purpose
    pg=$(raw soapstone_server ${script[$mode]})
    # shellcheck disable=SC2086
    paced=$(raw_paced "$(field per_second "$half")" ${script[$mode]})
    python3 - "$mode" "$peak" "$half" "$pg" "$paced" <<'PY'
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
echo "RLS cost: patient_read.sql, soapstone_server with the policies / postgres with WHERE tenant_id ="
for round in 1 2; do
    rls=$(raw soapstone_server -f bench/pgbench/patient_read.sql)
    explicit=$(raw postgres -f bench/pgbench/patient_read_explicit.sql)
    python3 - "$round" "$rls" "$explicit" <<'PY'
import sys
def fields(line): return dict(part.split("=") for part in line.split() if "=" in part)
rls, explicit = fields(sys.argv[2]), fields(sys.argv[3])
print(f"round {sys.argv[1]}: RLS {float(rls['tps']):.0f} tps, explicit {float(explicit['tps']):.0f} tps, "
      f"ratio {float(rls['tps']) / float(explicit['tps']):.3f}")
PY
done

echo
echo "Plans (as soapstone_server, tenant northside, 10 000 patients):"
as soapstone_server <<SQL
BEGIN;
SELECT set_config('app.tenant_id', '$tenant', true) \g /dev/null
\echo '-- GET /v1/patients?q=wri (first page; one ordered, limited range per way of matching)'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT id FROM (
    (SELECT id, family_key, given_key FROM patients WHERE starts_with(family_key, search_key('wri'))
      ORDER BY family_key, given_key, id LIMIT 21)
    UNION (SELECT id, family_key, given_key FROM patients WHERE starts_with(given_key, search_key('wri'))
      ORDER BY family_key, given_key, id LIMIT 21)
    UNION (SELECT id, family_key, given_key FROM patients WHERE mrn = 'wri' ORDER BY family_key, given_key, id LIMIT 21)
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
