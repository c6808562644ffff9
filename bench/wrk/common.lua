-- Shared by the scenario scripts: parameters come from the environment (bench/run sets them,
-- the same names for every service), and done() prints one machine-readable line that
-- bench/run parses instead of wrk's human-readable report.

function env(name)
    local value = os.getenv(name)
    if value == nil or value == "" then error("wrk script: " .. name .. " is not set") end
    return value
end

-- A JSON string literal for the few values put in bodies (tokens, usernames: no escapes needed).
function quoted(value) return '"' .. value .. '"' end

function done(summary, latency, requests)
    local seconds = summary.duration / 1e6
    local errors = summary.errors
    io.write(string.format(
        'WRK_JSON {"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_ms": %.3f, "p99_ms": %.3f, ' ..
        '"max_ms": %.3f, "non_2xx_3xx": %d, "socket_errors": %d, "timeouts": %d}\n',
        summary.requests, seconds, summary.requests / seconds,
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
        errors.status, errors.connect + errors.read + errors.write, errors.timeout))
end
