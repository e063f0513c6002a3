# Sourced by the benchmarks: builds the release binary and starts `soapstone dev` on throwaway
# data folders, every server stopped (with its PostgreSQL) and its folder removed when the
# script exits.
#   start_dev_server <port> [VAR=value ...]            the release build (or $BENCH_BINARY); sets $bin, $data, $server
#   launch_dev_server <binary> <port> [VAR=value ...]  any build; sets $data, $server
#   cluster_of <data folder>                           sets $pgport and $socket of its cluster
#   psql_in <data folder> [psql arguments]             psql as its cluster's superuser
#   physician_token <port>                             an access token of northside's physician
#   field <name> <line>                                the value of name= in a result line
dev_servers=()
dev_folders=()
stop_dev_servers() {
    kill -INT "${dev_servers[@]}" 2>/dev/null
    wait "${dev_servers[@]}" 2>/dev/null
    rm -rf "${dev_folders[@]}"
}
trap stop_dev_servers EXIT

start_dev_server() {
    local port=$1; shift
    bench/setup
    if [[ -n ${BENCH_BINARY:-} ]]; then
        # A release build made already (e.g. `swift build -c release --product soapstone`).
        bin=$BENCH_BINARY
    else
        # A folder of its own: a release build takes twenty minutes here, and sharing .build
        # would hold every debug build (and test run) behind its lock meanwhile.
        swift build -c release --scratch-path .build-release --product soapstone >/dev/null
        bin=.build-release/release/soapstone
    fi
    launch_dev_server "$bin" "$port" "$@"
}

launch_dev_server() {
    local binary=$1 port=$2; shift 2
    # Another server's answer would pass for this one's below.
    if curl -s -o /dev/null "http://127.0.0.1:$port/health"; then
        echo "port $port is taken: stop what listens there first" >&2
        return 1
    fi
    data=$(mktemp -d /var/tmp/soapstone-bench-XXXX)
    chmod 755 "$data"
    dev_folders+=("$data")
    env LOG_LEVEL=error "$@" "$binary" dev --port "$port" --data-dir "$data" >"$data/server.log" 2>&1 &
    server=$!
    dev_servers+=("$server")
    for _ in $(seq 1 600); do
        kill -0 "$server" 2>/dev/null || break
        curl -sf "http://127.0.0.1:$port/health" >/dev/null && return
        sleep 0.1
    done
    cat "$data/server.log" >&2
    return 1
}

# The cluster `dev` started: its port and socket folder are lines 4 and 5 of postmaster.pid.
cluster_of() {
    pgport=$(sed -n 4p "$1/pg/postmaster.pid")
    socket=$(sed -n 5p "$1/pg/postmaster.pid")
}

psql_in() (
    cluster_of "$1"; shift
    psql -X -q -v ON_ERROR_STOP=1 -h "$socket" -p "$pgport" -U postgres -d soapstone "$@"
)

physician_token() {
    curl -sf "http://127.0.0.1:$1/v1/auth/login" -H 'Content-Type: application/json' \
        -d '{"tenant":"northside","email":"physician@northside.example","password":"soapstone-dev-password"}' |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }

# The plans PostgreSQL keeps inside our functions, by auto_explain: the statements on stdin run
# as soapstone_server after the settings below; prints each logged plan whose text holds
# <marker>. Needs `as` (role, psql arguments) from the calling script.
#   nested_plans <marker> <<SQL ... SQL
nested_plans() {
    { cat <<'SQL'
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_analyze = on;
SET auto_explain.log_timing = off;
SET auto_explain.log_buffers = on;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_level = notice;
SET ROLE soapstone_server;
SQL
      cat; } | as postgres 2>&1 >/dev/null |
        python3 -c 'import sys; print("\n".join(n.split("plan:", 1)[1].rstrip() for n in sys.stdin.read().split("NOTICE:") if sys.argv[1] in n))' "$1"
}
