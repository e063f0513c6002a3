#!/usr/bin/env bash
# What one note's long history costs the server's memory (issue 27, item 4): sixty saves of
# 800 KB each (four sections of about 100 000 two-byte characters), then six clients at once asking for the note's
# versions, as the page's History did (GET /v1/notes/{id}/versions, every version whole before;
# a page of summaries now), and six clients at once reading all sixty versions whole, one by one
# (the way a client reads a whole history now). The server's resident memory is sampled every
# 20 ms; its high-water mark (VmHWM) is read before and after each burst.
#
#   bench/memory.sh [binary ...]     each binary's `soapstone dev` in turn (default: the release build)
#
# Compare binaries of one build kind measured in one run: bench/memory.sh .build/debug/soapstone
# /tmp/main-build/debug/soapstone.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/dev-server.sh

port=$((20000 + RANDOM % 20000))
binaries=("$@")
if [ ${#binaries[@]} -eq 0 ]; then
    swift build -c release --scratch-path .build-release --product soapstone >/dev/null
    binaries=(.build-release/release/soapstone)
fi

memory() { awk -v key="$1:" '$1 == key { print int($2 / 1024) }' "/proc/$server/status"; }

# Samples VmRSS every 20 ms while the command runs; prints the largest, in MB.
peak_while() {
    local peak=0 rss
    "$@" &
    local work=$!
    while kill -0 "$work" 2>/dev/null; do
        rss=$(memory VmRSS)
        [ "$rss" -gt "$peak" ] && peak=$rss
        sleep 0.02
    done
    wait "$work"
    echo "$peak"
}

for binary in "${binaries[@]}"; do
    launch_dev_server "$binary" "$port"
    token=$(physician_token "$port")
    auth="Authorization: Bearer $token"
    api="http://127.0.0.1:$port"
    encounter=$(psql_in "$data" -At -c "SELECT e.id FROM encounters e JOIN tenants t ON t.id = e.tenant_id
                                        WHERE t.slug = 'northside' AND e.status = 'finished' ORDER BY e.id LIMIT 1")
    body=$(mktemp)
    python3 - "$body" <<'PY'
import json, sys
section = "é" * 99_990  # two bytes each: about 200 KB a section, 800 KB a save
json.dump({k: f"{k[:2]} {section}" for k in ("subjective", "objective", "assessment", "plan")}, open(sys.argv[1], "w"),
          ensure_ascii=False)
PY
    note=$(curl -sS "$api/v1/encounters/$encounter/notes" -H "$auth" -H 'Content-Type: application/json' -d @"$body" |
        python3 -c 'import json,sys; a = json.load(sys.stdin); print(a["id"]) if "id" in a else sys.exit(f"no note: {a}")')
    for version in $(seq 1 59); do
        curl -sf -o /dev/null -X PUT "$api/v1/notes/$note" -H "$auth" -H 'Content-Type: application/json' \
            -H "If-Match: \"$version\"" -d @"$body"
    done
    rm -f "$body"

    before=$(memory VmRSS)
    lists() {
        for _ in 1 2 3 4 5 6; do
            curl -sf -o /dev/null -w '%{size_download}\n' "$api/v1/notes/$note/versions" -H "$auth" >>"$data/sizes" &
        done
        wait
    }
    list_peak=$(peak_while lists)
    list_bytes=$(sort -n "$data/sizes" | tail -1)
    readers() {
        for _ in 1 2 3 4 5 6; do
            (for n in $(seq 1 60); do curl -sf -o /dev/null "$api/v1/notes/$note/versions/$n" -H "$auth"; done) &
        done
        wait
    }
    read_peak=$(peak_while readers)
    echo "$binary: versions=60 of 800 KB; resident before=${before} MB;" \
        "six lists at once: answer=${list_bytes} bytes peak=${list_peak} MB;" \
        "six readers of all sixty at once: peak=${read_peak} MB; high-water mark=$(memory VmHWM) MB"
    stop_dev_servers
    dev_servers=()
    dev_folders=()
done
