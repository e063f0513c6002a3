#!/usr/bin/env bash
# The audit log's size and evidence, measured in one run on this machine (issue 31).
#   [BENCH_BINARY=path/to/release/soapstone] bench/audit.sh [events]
# Starts `soapstone dev` (release build) on a throwaway data folder with bench/clinical-seed.sql, then:
#   growth   what audit_events (table, indexes, TOAST) and the chain (audit_seals,
#            audit_checkpoints) gain per 1 000 requests: patient reads, searches
#   delay    how long after it happened each of those events was sealed by the server's own
#            sealer (p50, p99, max)
#   sealing  <events> (default 10 000 000) events of a year written at once for another
#            organisation (bench/audit-history.sql): how fast the server's sealer catches up
#   verify   `soapstone audit verify --tenant archive` on that chain: events per second
#   plans    EXPLAIN (ANALYZE, BUFFERS) of a patient's access report (the server's statement,
#            as soapstone_server under RLS) and of the verifier's reading of the chain, on it
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-10000000}
source bench/dev-server.sh
port=18083
start_dev_server $port
cluster_of "$data"
as() { local role=$1; shift; psql -X -q -v ON_ERROR_STOP=1 -h "$socket" -p "$pgport" -U "$role" -d soapstone "$@"; }
as postgres -f bench/clinical-seed.sql
token=$(physician_token $port)
northside=$(as postgres -At -c "SELECT tenant_id FROM tenants WHERE slug = 'northside'")

sizes() {
    as postgres -At -c "CHECKPOINT" -c "SELECT pg_total_relation_size('audit_events') || ' '
        || pg_total_relation_size('audit_seals') + pg_total_relation_size('audit_checkpoints') || ' '
        || (SELECT count(*) FROM audit_events)"
}
unsealed() {
    as postgres -At -c "SELECT count(*) FROM audit_events a WHERE a.tenant_id = '$1'
        AND NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.tenant_id = a.tenant_id AND s.event_id = a.id)"
}
wait_sealed() { # tenant: until every event of it is sealed
    while [[ $(unsealed "$1") != 0 ]]; do sleep 0.5; done
}
# 1 000 requests of one kind on one keep-alive connection.
requests() { # kind
    python3 - "$port" "$token" "$1" <<'PY'
import http.client, sys
port, token, kind = int(sys.argv[1]), sys.argv[2], sys.argv[3]
names = ["gar", "smi", "ngu", "mul", "oka", "joh", "kow", "had", "ros", "tan"]
connection = http.client.HTTPConnection("127.0.0.1", port)
for n in range(1000):
    path = (f"/v1/patients/00000000-0000-4000-8000-{1 + n * 7 % 10000:012d}" if kind == "read"
            else f"/v1/patients?q={names[n % len(names)]}&limit=20")
    connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    answer = connection.getresponse()
    answer.read()
    assert answer.status == 200, (path, answer.status)
PY
}

echo "growth per 1 000 requests | audit_events bytes | chain bytes | events"
wait_sealed "$northside"
for kind in read search; do
    read -r events_before chain_before rows_before <<<"$(sizes)"
    started=$(as postgres -At -c "SELECT now()")
    requests "$kind"
    wait_sealed "$northside"
    read -r events_after chain_after rows_after <<<"$(sizes)"
    echo "$kind | $((events_after - events_before)) | $((chain_after - chain_before)) | $((rows_after - rows_before))"
    delays+=" OR a.occurred_at >= '$started'"
done
echo
echo "seal delay (sealed_at - occurred_at) of those events, ms:"
as postgres -At -F ' ' -c "
    SELECT 'p50=' || round(1000 * extract(epoch FROM percentile_cont(0.5) WITHIN GROUP (ORDER BY s.sealed_at - a.occurred_at))),
           'p99=' || round(1000 * extract(epoch FROM percentile_cont(0.99) WITHIN GROUP (ORDER BY s.sealed_at - a.occurred_at))),
           'max=' || round(1000 * extract(epoch FROM max(s.sealed_at - a.occurred_at))), 'events=' || count(*)
      FROM audit_events a JOIN audit_seals s ON s.tenant_id = a.tenant_id AND s.event_id = a.id
     WHERE a.tenant_id = '$northside' AND (false $delays)"

echo
echo "sealing: $events events of a year written at once (bench/audit-history.sql)"
written=$(date +%s.%N)
as postgres -v events="$events" -f bench/audit-history.sql
inserted=$(date +%s.%N)
archive=00000000-0000-4000-b000-000000000000
# Its events are exactly these: sealed when the chain is as long (an index lookup, where the
# count of unsealed events would read them all every time and slow the sealer it waits for).
until [[ $(as postgres -At -c "SELECT coalesce(max(position), 0) FROM audit_seals WHERE tenant_id = '$archive'") == "$events" ]]; do
    sleep 1
done
sealed=$(date +%s.%N)
python3 -c "print(f'written in {$inserted - $written:.0f} s; sealed by the server {$sealed - $inserted:.0f} s later: {$events / ($sealed - $inserted):.0f} events/s')"
as postgres -At -c "SELECT 'audit_events ' || pg_size_pretty(pg_total_relation_size('audit_events'))
    || ', audit_seals ' || pg_size_pretty(pg_total_relation_size('audit_seals'))
    || ', checkpoints ' || (SELECT count(*) FROM audit_checkpoints WHERE tenant_id = '$archive')"

echo
echo "verify:"
start=$(date +%s.%N)
"$bin" audit verify --tenant archive --database-url "postgres://postgres@/soapstone?host=$socket&port=$pgport"
end=$(date +%s.%N)
python3 -c "print(f'{$events} events in {$end - $start:.1f} s: {$events / ($end - $start):.0f} events/s')"

echo
echo "plans, as soapstone_server (RLS on): the access report of one patient, the history's last week and its whole year, first page"
# The server binds the patient and the times as parameters of an unnamed statement, planned
# for those values: literals here.
patient=00000000-0000-4000-b000-000000004242
report() { # from
    cat <<SQL
BEGIN;
SELECT soapstone_set_tenant('$archive', NULL);
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT a.id, a.occurred_at, a.user_id, a.role, a.action, a.entity_type, a.entity_id, a.outcome, u.name,
       coalesce(v.reason, n.entered_in_error_reason, e.status_reason), a.patient_id IS DISTINCT FROM '$patient'
  FROM api_audit_events a
  LEFT JOIN api_users u ON u.tenant_id = a.tenant_id AND u.id = a.user_id
  LEFT JOIN api_note_versions v ON a.action = 'note.amend' AND v.tenant_id = a.tenant_id AND v.note_id = a.entity_id
       AND v.version::text = a.detail ->> 'version'
  LEFT JOIN api_notes n ON a.action = 'note.entered_in_error' AND n.tenant_id = a.tenant_id AND n.id = a.entity_id
  LEFT JOIN api_encounters e ON a.action = 'encounter.update' AND a.detail ->> 'status' LIKE '%->entered_in_error'
       AND e.tenant_id = a.tenant_id AND e.id = a.entity_id
 WHERE a.tenant_id = '$archive'
   AND a.id IN (SELECT e.id FROM api_audit_events e WHERE e.tenant_id = '$archive' AND e.patient_id = '$patient' AND e.occurred_at >= $1
                UNION ALL
                SELECT d.event_id FROM api_audit_disclosures d
                 WHERE d.tenant_id = '$archive' AND d.patient_id = '$patient' AND d.occurred_at >= $1)
   AND a.occurred_at >= $1
 ORDER BY a.occurred_at, a.id
 LIMIT 51;
COMMIT;
SQL
}
report "now() - interval '8 days'" | as soapstone_server 2>&1 | grep -v '^ *$\|soapstone_set_tenant\|^-*$\|^(1 row)' || true
report "now() - interval '400 days'" | as soapstone_server 2>&1 | grep -v '^ *$\|soapstone_set_tenant\|^-*$\|^(1 row)' || true
echo "the same for a patient seen once, 200 days ago (a read written now, behind the sealed chain: it stays unsealed)"
as postgres <<SQL
INSERT INTO patients (id, tenant_id, mrn, given_name, family_name, birth_date, sex)
VALUES ('00000000-0000-4000-b000-000000099999', '$archive', 'R099999', 'Rare', 'Patient', '1980-01-01', 'unknown');
INSERT INTO audit_events (tenant_id, occurred_at, user_id, role, action, entity_type, entity_id, patient_id, ip, request_id, outcome, detail)
VALUES ('$archive', now() - interval '200 days', '00000000-0000-4000-b000-100000000000', 'physician', 'patient.read', 'patient',
        '00000000-0000-4000-b000-000000099999', '00000000-0000-4000-b000-000000099999', '10.1.2.3', 'rare-1', 'success', '{}');
SQL
patient=00000000-0000-4000-b000-000000099999
report "now() - interval '8 days'" | as soapstone_server 2>&1 | grep -v '^ *$\|soapstone_set_tenant\|^-*$\|^(1 row)' || true
report "now() - interval '400 days'" | as soapstone_server 2>&1 | grep -v '^ *$\|soapstone_set_tenant\|^-*$\|^(1 row)' || true
echo
echo "the verifier's reading: one page of 10 000 links from the middle of the chain (AuditChain.links, with its settings)"
# As the superuser, as the owner would.
as postgres <<SQL | grep -v '^ *$\|soapstone_set_tenant\|^-*$\|^(1 row)\|^DO$\|^BEGIN$\|^COMMIT$' || true
BEGIN;
SELECT soapstone_set_tenant('$archive', NULL);
DO \$\$BEGIN
    SET LOCAL max_parallel_workers_per_gather = 0;
    SET LOCAL enable_nestloop = off;
    SET LOCAL work_mem = '32MB';
END\$\$;
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
WITH s AS MATERIALIZED (
    SELECT position, event_id, event_occurred_at, previous_hash, hash, sealed_at FROM audit_seals
     WHERE tenant_id = '$archive' AND position >= $((events / 2))
     ORDER BY position
     LIMIT 10000)
SELECT s.position, s.event_id, s.previous_hash, s.hash, s.sealed_at, a.id IS NOT NULL,
       a.id::text, a.tenant_id::text, to_char(a.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
       a.user_id::text, a.role, a.action, a.entity_type, a.entity_id::text, a.patient_id::text, a.ip::text,
       a.request_id, a.client_request_id, a.outcome, a.detail::text
  FROM s
  LEFT JOIN audit_events a ON a.tenant_id = '$archive' AND a.id = s.event_id
       AND a.occurred_at >= (SELECT min(event_occurred_at) FROM s) AND a.occurred_at <= (SELECT max(event_occurred_at) FROM s)
 ORDER BY s.position;
COMMIT;
SQL
