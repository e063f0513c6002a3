-- wrk script: POST /v1/auth/login with a seeded development account, and a one-line summary.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"tenant":"northside","email":"physician@northside.example","password":"soapstone-dev-password"}'

done = function(summary, latency, requests)
    local seconds = summary.duration / 1e6
    local failed = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout + summary.errors.status
    io.write(string.format("login requests=%d seconds=%.2f per_second=%.2f p50_ms=%.0f p99_ms=%.0f max_ms=%.0f failed=%d\n",
        summary.requests, seconds, summary.requests / seconds, latency:percentile(50) / 1000,
        latency:percentile(99) / 1000, latency.max / 1000, failed))
end
