# Sourced by the benchmarks: builds the release binary and starts `soapstone dev` on a
# throwaway data folder, stopped (with its PostgreSQL) and removed when the script exits.
#   start_dev_server <port> [VAR=value ...]   sets $bin, $data and $server
start_dev_server() {
    local port=$1; shift
    bench/setup
    # A folder of its own: a release build takes twenty minutes here, and sharing .build would
    # hold every debug build (and test run) behind its lock meanwhile.
    swift build -c release --scratch-path .build-release --product soapstone >/dev/null
    bin=.build-release/release/soapstone
    data=$(mktemp -d /var/tmp/soapstone-bench-XXXX)
    chmod 755 "$data"
    env LOG_LEVEL=error "$@" "$bin" dev --port "$port" --data-dir "$data" >"$data/server.log" 2>&1 &
    server=$!
    trap 'kill -INT $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data"' EXIT
    for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && return; sleep 0.1; done
    cat "$data/server.log" >&2
    return 1
}

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
