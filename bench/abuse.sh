#!/usr/bin/env bash
# The hardening review's abuse (issue 19, items 2, 3 and 5) against the release build:
#   bench/abuse.sh
# starts `soapstone dev` on a throwaway data folder (the per-address throttle lifted, as the
# review had it, so that what is measured is the server's own bounds) and runs bench/abuse.py.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/dev-server.sh
port=18082
start_dev_server $port SOAPSTONE_AUTH_REQUESTS_PER_MINUTE=100000000
python3 bench/abuse.py "http://127.0.0.1:$port" "$server"
