#!/usr/bin/env bash
# Grow a Citus cluster while the clinical API serves through its coordinator, measured: the two
# runbooks of docs/scaling.md ("Adding a worker while serving", "Giving a clinic shards of its
# own") under load, with nothing else changed.
#   GROW_COORDINATOR=postgres://postgres@host:port/db GROW_WORKER=postgres://postgres@host:port/db \
#   [GROW_BINARY=path/to/soapstone] [GROW_SHARDS=8] bench/grow.sh [seconds] [connections]
# GROW_COORDINATOR: a superuser on the coordinator's database, where steps 1-4 of
#   docs/scaling.md are done (Citus, its workers added, Soapstone's roles) and nothing else: this
#   script migrates it (as soapstone_owner), distributes it, and seeds the development clinics
#   and bench/clinical-seed.sql. soapstone_owner and soapstone_server connect as the same URL
#   with the user changed (a password from ~/.pgpass or PGPASSFILE).
# GROW_WORKER: a superuser on the new node's database, steps 1 and 3 done (Citus loaded, the
#   database and its extension), not yet added to the coordinator.
# Citus is not in Debian's archive; nothing here installs or builds it.
#
# The release server runs `serve` against the coordinator. Load is the read, the search and the
# save of bench/clinical.lua at once, <connections> each, and the phases are:
#   before    <seconds>
#   add       while the worker is added (the runbook's steps: citus_add_node, soapstone_auth's
#             LOGIN on it, `scale distribute` again for the grants) and citus_rebalance_start
#             moves shards to it, until citus_rebalance_status says finished
#   between   <seconds>
#   isolate   while northside, the clinic of the load, gets shards of its own
#             (isolate_tenant_to_new_shard … 'CASCADE') and they move to the emptiest worker
#   after     <seconds>
# Each line gives a phase's length and, per request, its rate, p99, max and failures (any answer
# but 200, and socket errors); then the shards per node and northside's node after each step.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
connections=${2:-8}
: "${GROW_COORDINATOR:?set GROW_COORDINATOR to a superuser URL of the coordinator database}"
: "${GROW_WORKER:?set GROW_WORKER to a superuser URL of the new worker database}"
shards=${GROW_SHARDS:-8}
source bench/dev-server.sh
bench/setup
if [[ -z ${GROW_BINARY:-} ]]; then
    swift build -c release --scratch-path .build-release --product soapstone >/dev/null
    GROW_BINARY=.build-release/release/soapstone
fi
work=$(mktemp -d /var/tmp/soapstone-grow-XXXX)
echo "logs: $work" >&2

as_user() { # URL user: the URL with its user replaced
    python3 - "$1" "$2" <<'PY'
import sys, urllib.parse as u
url = u.urlsplit(sys.argv[1])
host = url.netloc.rsplit("@", 1)[-1]
print(u.urlunsplit(url._replace(netloc=f"{sys.argv[2]}@{host}")))
PY
}
owner_url=$(as_user "$GROW_COORDINATOR" soapstone_owner)
server_url=$(as_user "$GROW_COORDINATOR" soapstone_server)
coordinator() { psql -X -q -v ON_ERROR_STOP=1 "$GROW_COORDINATOR" "$@"; }
worker() { psql -X -q -v ON_ERROR_STOP=1 "$GROW_WORKER" "$@"; }
soapstone() { SOAPSTONE_ENV=development LOG_LEVEL=warning "$GROW_BINARY" "$@"; }

# The new node as the coordinator should name it: the worker URL's host and port.
read -r new_host new_port < <(python3 -c 'import sys, urllib.parse as u; x = u.urlsplit(sys.argv[1]); print(x.hostname, x.port or 5432)' "$GROW_WORKER")
if [[ -n $(coordinator -Atc "SELECT 1 FROM pg_dist_node WHERE nodename = '$new_host' AND nodeport = $new_port") ]]; then
    echo "$new_host:$new_port is already a node of the coordinator: give a node not yet added" >&2
    exit 1
fi

echo "preparing: migrate, distribute ($shards shards), seed" >&2
soapstone migrate up --database-url "$owner_url" >"$work/migrate.log"
# The first run places every table and stops at soapstone_auth, which Citus has just copied to
# the workers again without LOGIN (docs/scaling.md, step 2); the second checks it.
soapstone scale distribute --database-url "$owner_url" --shards "$shards" >"$work/distribute.log" 2>&1 ||
    grep -q "soapstone_auth may not log in" "$work/distribute.log" || { cat "$work/distribute.log" >&2; exit 1; }
coordinator -o /dev/null -c "SELECT run_command_on_workers('SET citus.enable_alter_role_propagation = off; ALTER ROLE soapstone_auth LOGIN')"
soapstone scale distribute --database-url "$owner_url" >>"$work/distribute.log"
soapstone seed --database-url "$owner_url" >"$work/seed.log"
# The seed's role is the cluster's, not the database's: a run before this one left it.
coordinator -c "SET client_min_messages = warning" -c "DROP ROLE IF EXISTS bench_unbound"
coordinator -f bench/clinical-seed.sql
tenant=$(coordinator -Atc "SELECT tenant_id FROM tenants WHERE slug = 'northside'")

port=18083
# Another server's answers would pass for this one's.
if curl -s -o /dev/null "http://127.0.0.1:$port/health"; then
    echo "port $port is taken: stop what listens there first" >&2
    exit 1
fi
key=$(openssl rand -base64 32)
# Each request's line (route and status, no values) says what failed, and how.
SOAPSTONE_ENV=development SOAPSTONE_JWT_SIGNING_KEY=$key LOG_LEVEL=info \
    "$GROW_BINARY" serve --database-url "$server_url" --port $port >"$work/server.log" 2>&1 &
dev_servers+=("$!")
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
token=$(physician_token $port)

load() { # name block duration: the three requests at once; a duration of 0 runs until stop_load
    local name=$1 block=$2 duration=${3:-0}
    echo "$name" >"$work/phase"
    load_pids=()
    for mode in read search save; do
        # A request that waits for a moving shard is slow, not failed: wrk's own 2 s limit would
        # count it failed, so the limit is a minute, and the max says how long one waited.
        wrk -t2 -c"$connections" -d"$([[ $duration == 0 ]] && echo 86400 || echo "$duration")s" --timeout 60s --latency \
            -s bench/clinical.lua "http://127.0.0.1:$port/v1/patients" -- "$mode" "$token" "$block" \
            >"$work/$name.$mode" 2>&1 &
        load_pids+=("$!")
    done
    load_started=$(date +%s.%N)
    [[ $duration == 0 ]] || { wait "${load_pids[@]}"; load_pids=(); }
}
stop_load() { (( ${#load_pids[@]} )) || return 0; kill -INT "${load_pids[@]}" 2>/dev/null; wait "${load_pids[@]}" 2>/dev/null; load_pids=(); }
load_pids=()
# A step that fails ends the script: its load must end with it, or wrk spins on a closed port.
trap 'stop_load || true; [[ -z ${probe:-} ]] || kill "$probe" 2>/dev/null || true; stop_dev_servers' EXIT
# The load never logs in, and a login reads users and their hashes, which a moved shard once
# lacked the grants for (migrations 23 and 24): one every 2 s through the whole run, each line
# "<phase> <status>".
probe_logins() {
    while :; do
        status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v1/auth/login" \
            -H 'Content-Type: application/json' \
            -d '{"tenant":"northside","email":"physician@northside.example","password":"soapstone-dev-password"}')
        echo "$(cat "$work/phase") $status" >>"$work/logins"
        sleep 2
    done
}
report() { # name: one line for the phase
    python3 - "$1" "$(python3 -c "import time; print(round(time.time() - $load_started))")" "$work/logins" \
        "$work/$1".{read,search,save} <<'PY'
import sys
name, took, logins, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
statuses = [line.split()[1] for line in open(logins) if line.split()[0] == name]
cells = []
for path in files:
    line = next((l for l in open(path) if l.startswith("http ")), None)
    if line is None:
        cells.append("no result (" + open(path).read().strip().replace("\n", " ")[-120:] + ")")
        continue
    f = dict(part.split("=") for part in line.split()[1:])
    cells.append(f"{f['mode']} {float(f['per_second']):.0f}/s p99 {f['p99_ms']} ms max {f['max_ms']} ms failed {f['failed']}")
cells.append(f"login {len(statuses)} failed {sum(status != '200' for status in statuses)}")
print(f"{name:8} {took:>4} s | " + " | ".join(cells))
PY
}
placement() { # what: shards per node, and the node of northside's patients
    coordinator -Atc "
        SELECT '$1: shards per node ' || string_agg(nodeport::text || '=' || shards, ' ' ORDER BY nodeport)
               || ', northside on ' || (SELECT nodeport FROM pg_dist_placement p JOIN pg_dist_node n USING (groupid)
                                        WHERE p.shardid = get_shard_id_for_distribution_column('patients', '$tenant'))
          FROM (SELECT nodeport, count(*) AS shards FROM pg_dist_shard s JOIN pg_dist_placement USING (shardid)
                  JOIN pg_dist_node USING (groupid) WHERE s.logicalrelid = 'patients'::regclass GROUP BY nodeport) AS per_node"
}

echo "phase    took | per request: rate, p99, max, failed (${connections} connections each, through the coordinator) | logins"
echo before >"$work/phase"
probe_logins &
probe=$!
placement "start" >"$work/placements"
load before 0 "$seconds"
report before

# Adding a worker while serving: docs/scaling.md's runbook, step by step.
load add 1
# The servers' role first: Citus does not copy it, and as soon as the node is added statements
# reach it as soapstone_server, before any shard is there (in our first run the save's statement,
# run on another worker, failed with "role soapstone_server does not exist" on the new node).
worker <<'SQL'
SET client_min_messages = warning;
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'soapstone_app') THEN CREATE ROLE soapstone_app NOLOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'soapstone_server') THEN
    CREATE ROLE soapstone_server LOGIN IN ROLE soapstone_app;
  END IF;
END $$;
SQL
coordinator -o /dev/null -c "SELECT citus_add_node('$new_host', $new_port)"
worker -c "SET citus.enable_alter_role_propagation = off" -c "ALTER ROLE soapstone_auth LOGIN"
soapstone scale distribute --database-url "$owner_url" >"$work/distribute-again.log"
# Shards move by COPY while writes to them wait: Citus's default, logical replication, cannot
# write into a table whose RLS is forced (PostgreSQL refuses its apply worker, which runs as a
# member of the tables' owner), and the rebalance would retry for ever.
coordinator -o /dev/null -c "SELECT citus_rebalance_start(shard_transfer_mode := 'block_writes')"
until state=$(coordinator -Atc "SELECT state FROM citus_rebalance_status() ORDER BY job_id DESC LIMIT 1") &&
    [[ $state =~ ^(finished|failed|cancelled)$ ]]; do sleep 1; done
stop_load
report add
placement "rebalanced ($state)" >>"$work/placements"
[[ $state == finished ]] || { coordinator -c "SELECT * FROM citus_rebalance_status()"; exit 1; }

load between 2 "$seconds"
report between

# Giving a clinic shards of its own while serving.
load isolate 3
shard=$(coordinator -Atc "SELECT isolate_tenant_to_new_shard('patients', '$tenant', 'CASCADE', shard_transfer_mode => 'block_writes')")
read -r from_host from_port to_host to_port < <(coordinator -Atc "
    SELECT here.nodename, here.nodeport, there.nodename, there.nodeport
      FROM pg_dist_placement p JOIN pg_dist_node here USING (groupid),
           LATERAL (SELECT n.nodename, n.nodeport, count(pl.shardid) AS shards FROM pg_dist_node n
                      LEFT JOIN pg_dist_placement pl ON pl.groupid = n.groupid
                     WHERE n.shouldhaveshards AND n.noderole = 'primary' AND n.groupid <> p.groupid
                     GROUP BY n.nodename, n.nodeport ORDER BY shards, n.nodeport LIMIT 1) AS there
     WHERE p.shardid = $shard" | tr '|' ' ')
coordinator -o /dev/null -c "SELECT citus_move_shard_placement($shard, '$from_host', $from_port, '$to_host', $to_port, shard_transfer_mode => 'block_writes')"
stop_load
report isolate
placement "isolated (shard $shard, moved $from_port -> $to_port)" >>"$work/placements"

load after 4 "$seconds"
report after
cat "$work/placements"
# What the load does not do: log in (the login lookup runs on the workers as soapstone_auth).
if physician_token $port >/dev/null 2>&1; then echo "login after growing: ok"; else echo "login after growing: FAILED"; fi
# What the server logged, each kind once with its count (the error text, never a value of a row).
python3 - "$work/server.log" <<'PY'
import json, sys, collections
kinds = collections.Counter()
for line in open(sys.argv[1]):
    try: entry = json.loads(line)
    except ValueError: continue
    if entry.get("level") in ("warning", "error", "critical"):
        kinds[f'{entry["level"]}: {entry.get("message")}: {entry.get("error", "")[:300]}'] += 1
    elif entry.get("message") == "request" and entry.get("status") != "200":
        kinds[f'answer {entry.get("status")} to {entry.get("method")} {entry.get("route")}'] += 1
for kind, count in kinds.most_common(): print(f"server log {count} x {kind}")
PY
