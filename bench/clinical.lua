-- wrk script for bench/clinical.sh:
--   [BENCH_DELAY_MS=n] wrk -t2 ... -s bench/clinical.lua URL -- <mode> <token> [block]
--   read    GET /v1/patients/{id}, ids at random over the 10 000 seeded patients
--   search  GET /v1/patients?q=<prefix>, the first page of 20, prefixes at random
--   save    PUT /v1/notes/{id} with If-Match: each thread saves its own 500 notes of the seeded
--           block (0-4) in turn, each from the version its last save answered (the ETag), as a
--           careful client would; every wrk run takes a fresh block, starting at version 1
--   note    GET /v1/notes/{id}, and
--   history GET /v1/notes/{id}/versions: over the 500 notes bench/scale-history.sql gives ten
--           versions each (bench/scale.sh)
-- BENCH_DELAY_MS paces each connection (for the latency figure at half the peak rate): the pause
-- before each request is drawn from an exponential distribution with that mean, so the
-- connections send at independent random times (Poisson arrivals, as pgbench -R schedules)
-- rather than in step. wrk looks for `delay` once, when it loads the script, so it exists only
-- when asked for.
local prefixes = { "gar", "smi", "ngu", "mul", "oka", "joh", "kow", "had", "ros", "tan",
                   "dub", "nov", "sil", "kim", "ahm", "bro", "mar", "sch", "lop", "iva" }
local threads = {}
local counter = 0

setup = function(thread)
    counter = counter + 1
    thread:set("first_note", (counter - 1) * 500)
    table.insert(threads, thread)
end

init = function(args)
    mode, token = args[1], args[2]
    first_note = first_note + 1000 * tonumber(args[3] or "0")
    math.randomseed(os.time() + first_note)
    versions, next_note, unexpected = {}, 0, 0
end

local function patient_id(n) return string.format("00000000-0000-4000-8000-%012d", n) end

request = function()
    local headers = { ["Authorization"] = "Bearer " .. token }
    if mode == "read" then
        return wrk.format("GET", "/v1/patients/" .. patient_id(math.random(1, 10000)), headers)
    elseif mode == "search" then
        return wrk.format("GET", "/v1/patients?q=" .. prefixes[math.random(#prefixes)], headers)
    elseif mode == "note" or mode == "history" then
        local id = string.format("00000000-0000-4000-a000-%012d", math.random(1, 500))
        return wrk.format("GET", "/v1/notes/" .. id .. (mode == "history" and "/versions" or ""), headers)
    end
    local id = string.format("00000000-0000-4000-9000-%012d", first_note + next_note + 1)
    next_note = (next_note + 1) % 500
    headers["Content-Type"] = "application/json"
    headers["If-Match"] = '"' .. (versions[id] or 1) .. '"'
    local body = '{"subjective":"Benchmark subjective, saved again","objective":"Benchmark objective",'
        .. '"assessment":"Benchmark assessment","plan":"Benchmark plan"}'
    return wrk.format("PUT", "/v1/notes/" .. id, headers, body)
end

response = function(status, headers, body)
    if status ~= 200 then
        unexpected = unexpected + 1
    elseif mode == "save" then
        local id = string.match(body, '"id"%s*:%s*"([%x%-]+)"')
        local version = string.match(headers["ETag"] or headers["etag"] or "", '"(%d+)"')
        if id and version then versions[id] = tonumber(version) end
    end
end

local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "")
if pause then delay = function() return math.floor(-math.log(1 - math.random()) * pause + 0.5) end end

done = function(summary, latency, requests)
    local failed = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
    for _, thread in ipairs(threads) do failed = failed + thread:get("unexpected") end
    local seconds = summary.duration / 1e6
    io.write(string.format(
        "http mode=%s requests=%d per_second=%.1f mean_ms=%.2f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f failed=%d\n",
        threads[1]:get("mode"), summary.requests, summary.requests / seconds, latency.mean / 1000, latency:percentile(50) / 1000,
        latency:percentile(99) / 1000, latency.max / 1000, failed))
end
