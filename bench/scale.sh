#!/usr/bin/env bash
# One clinic among a thousand, measured against the same clinic alone (issue 18).
#   bench/scale.sh [seconds] [tenants] [rounds]
# Builds the release binary and starts two `soapstone dev`, each on a throwaway data folder and
# cluster of its own:
#   one    bench/clinical-seed.sql (northside: 10 000 patients, 6 000 notes) and
#          bench/scale-history.sql (500 of its notes with ten versions: about 10 500 versions);
#   many   the same, then <tenants> (999) clinics more, each with the same 10 000 patients and
#          1 000 notes of ten versions (bench/scale-seed.sql): 10 million patients, 10 million
#          versions.
# Then <rounds> rounds, each measuring GET /v1/patients/{id}, GET /v1/patients?q= (first page),
# GET /v1/notes/{id} and GET /v1/notes/{id}/versions of northside on both sides back to back,
# the order of the sides turned each round, so that the machine's drift (up to twice the p99
# over minutes here) weighs on both alike. Each: 8 connections, wrk paced to about 60 % of the
# one-tenant peak (the same offered load on both sides), <seconds> s, for the p99. Then the
# plans at scale.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
tenants=${2:-999}
rounds=${3:-4}
connections=8
source bench/dev-server.sh
declare -A folder port=([one]=18085 [many]=18086) token delay
start_dev_server "${port[one]}"
folder[one]=$data
launch_dev_server "$bin" "${port[many]}"
folder[many]=$data
for side in one many; do
    psql_in "${folder[$side]}" -f bench/clinical-seed.sql
    psql_in "${folder[$side]}" -f bench/scale-history.sql
done
start=$(date +%s)
# A bulk load of 20 million rows: fewer checkpoints while it runs (a throwaway cluster).
psql_in "${folder[many]}" -c "ALTER SYSTEM SET max_wal_size = '16GB'" -c "SELECT pg_reload_conf()" >/dev/null
psql_in "${folder[many]}" -v tenants="$tenants" -v patients=10000 -v notes=1000 -v versions=10 -f bench/scale-seed.sql \
    >"${folder[many]}/seed.log"
for side in one many; do psql_in "${folder[$side]}" -c "VACUUM ANALYZE"; done
echo "loaded and vacuumed in $(($(date +%s) - start)) s" >&2
for side in one many; do
    psql_in "${folder[$side]}" -At -c "SELECT '$side: ' || (SELECT count(*) FROM tenants) || ' tenants, ' || (SELECT count(*) FROM patients)
        || ' patients, ' || (SELECT count(*) FROM note_versions) || ' note versions, database '
        || pg_size_pretty(pg_database_size('soapstone'))" >&2
done

http() { # side mode [delay_ms] [seconds]
    BENCH_DELAY_MS=${3:-} wrk -t2 -c"$connections" -d"${4:-$seconds}s" --latency -s bench/clinical.lua \
        "http://127.0.0.1:${port[$1]}/v1/patients" -- "$2" "${token[$1]}" 0 | grep '^http '
}
modes=(read search note history)
results=${folder[one]}/results.txt
echo "round | side | request | paced req/s | p50 ms | p99 ms | failed"
for round in $(seq 1 "$rounds"); do
    sides=(one many)
    ((round % 2)) || sides=(many one)
    for side in one many; do
        # Dirty pages (of the load, of the last round's audit events) written out first: a
        # checkpoint of gigabytes inside a measurement was its p99 (45-95 ms) in the first runs.
        psql_in "${folder[$side]}" -c "CHECKPOINT"
        # A new access token each round: one outlives a round, not the whole run.
        token[$side]=$(physician_token "${port[$side]}")
    done
    for mode in "${modes[@]}"; do
        if [[ -z ${delay[$mode]:-} ]]; then
            for side in one many; do
                http "$side" "$mode" "" 5 >/dev/null
                peak=$(http "$side" "$mode" "" 10)
                echo "peak | $side | $mode | $(field per_second "$peak") | $(field p50_ms "$peak") | $(field p99_ms "$peak") | $(field failed "$peak")"
                # Each connection at about 60 % of the one-tenant peak: its interval less a
                # request's time; the same pause on both sides.
                [[ $side == one ]] &&
                    delay[$mode]=$(python3 -c "print(max(0, round(2000 * $connections / $(field per_second "$peak") - $(field mean_ms "$peak"))))")
            done
        fi
        for side in "${sides[@]}"; do
            http "$side" "$mode" "${delay[$mode]}" 3 >/dev/null
            paced=$(http "$side" "$mode" "${delay[$mode]}")
            echo "$round | $side | $mode | $(field per_second "$paced") | $(field p50_ms "$paced") | $(field p99_ms "$paced") | $(field failed "$paced")"
        done
    done
done | tee "$results"
echo
python3 - "$results" <<'PY'
import statistics, sys
rows = [[part.strip() for part in line.split("|")] for line in open(sys.argv[1]) if not line.startswith("peak")]
p99 = {(r[0], r[1], r[2]): float(r[5]) for r in rows}
targets = {"read": 1.2, "search": 1.3, "note": 1.5, "history": 1.5}
for mode, target in targets.items():
    ratios = [p99[(n, "many", mode)] / p99[(n, "one", mode)] for n in sorted({r[0] for r in rows}, key=int)]
    median = statistics.median(ratios)
    print(f"{mode}: p99 many/one by round {', '.join(f'{x:.2f}' for x in ratios)}; median {median:.2f} (target <= {target}) "
          f"{'met' if median <= target else 'MISSED'}")
print("failed:", sum(int(r[6]) for r in rows))
PY

echo
cluster_of "${folder[many]}"
as() { local role=$1; shift; psql -X -q -v ON_ERROR_STOP=1 -h "$socket" -p "$pgport" -U "$role" -d soapstone "$@"; }
tenant=$(as postgres -At -c "SELECT tenant_id FROM tenants WHERE slug = 'northside'")
echo "Plans at scale (as soapstone_server, tenant northside, the statements the server runs):"
nested_plans "plan:" <<SQL
SELECT count(*) FROM soapstone_read_patient('$tenant', NULL, '00000000-0000-4000-8000-000000004242', 'physician', 'patient.read',
    'patient', '00000000-0000-4000-8000-000000004242', '00000000-0000-4000-8000-000000004242', '127.0.0.1',
    'bench-0123456789abcdef', NULL, 'success', '{}');
SELECT count(*) FROM soapstone_search_patients('$tenant', NULL, NULL, NULL, 20, 'wri', NULL, NULL, NULL, NULL, 'patient.list',
    'patient', NULL, NULL, NULL, NULL, NULL, 'success', '{}');
BEGIN;
SELECT soapstone_set_tenant('$tenant', NULL);
SELECT count(*) FROM api_notes WHERE tenant_id = '$tenant' AND id = '00000000-0000-4000-a000-000000000042';
SELECT count(*) FROM api_note_versions WHERE tenant_id = '$tenant' AND note_id = '00000000-0000-4000-a000-000000000042';
ROLLBACK;
SQL
