#!/usr/bin/env bash
# Login throughput against the bcrypt ceiling, measured in one run on this machine.
#   bench/login.sh [seconds] [connections]
# Builds the release binary, starts `soapstone dev` on a throwaway data folder (bcrypt cost 12,
# the per-address throttle lifted: wrk is one address), measures bcrypt verifications per
# second on all cores, then logins per second with wrk, and prints both with their ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
connections=${2:-4}
source bench/dev-server.sh
port=18080
start_dev_server $port SOAPSTONE_AUTH_REQUESTS_PER_MINUTE=100000000

ceiling=$("$bin" bcrypt-ceiling --seconds 20)
echo "$ceiling"
# Warm up the pool and the caches, then measure.
wrk -t1 -c"$connections" -d5s -s bench/login.lua "http://127.0.0.1:$port/v1/auth/login" >/dev/null
result=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency -s bench/login.lua "http://127.0.0.1:$port/v1/auth/login" | grep '^login ')
echo "$result"
python3 - "$ceiling" "$result" <<'PY'
import sys
def fields(line): return dict(part.split("=") for part in line.split() if "=" in part)
ceiling, login = fields(sys.argv[1]), fields(sys.argv[2])
ratio = float(login["per_second"]) / float(ceiling["per_second"])
print(f"ratio logins/bcrypt ceiling = {ratio:.3f} (target >= 0.85); p99 = {login['p99_ms']} ms (target < 1000)")
PY
