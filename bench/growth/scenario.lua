-- The growth benchmark's three reads (bench/growth/run), chosen by GROWTH_SCENARIO:
--   inbox_screen            the measured owner's guest list with each guest's last message, as the
--                           web inbox asks for it (bench/wrk/inbox_screen.lua: INBOX_OWNER_TOKEN)
--   read_discussion         the 50-message discussion, nothing unread (bench/wrk/read_discussion.lua:
--                           READER_TOKEN, FRIEND_ID)
--   discussion_anonyme      the owner reads one guest's 50-message thread, nothing unread
--                           (INBOX_OWNER_TOKEN, GUEST_PSEUDO_QUERY: the pseudonym, percent-encoded)
-- The first two are bench/run's own scripts, loaded as they are. done() prints one JSON line
-- (WRK_JSON ...) with more percentiles than bench/wrk/common.lua's.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local scenario = os.getenv("GROWTH_SCENARIO") or ""
if scenario == "inbox_screen" or scenario == "read_discussion" then
    dofile(here .. "../wrk/" .. scenario .. ".lua")
elseif scenario == "discussion_anonyme" then
    dofile(here .. "../wrk/common.lua")
    wrk.method = "GET"
    wrk.path = "/api/chat/discussion-anonyme/?pseudo=" .. env("GUEST_PSEUDO_QUERY")
    wrk.headers["Authorization"] = "Token " .. env("INBOX_OWNER_TOKEN")
else
    error("GROWTH_SCENARIO must be inbox_screen, read_discussion or discussion_anonyme")
end

function done(summary, latency, requests)
    local seconds = summary.duration / 1e6
    local errors = summary.errors
    local function ms(p) return latency:percentile(p) / 1000 end
    io.write(string.format(
        'WRK_JSON {"requests": %d, "seconds": %.3f, "rps": %.1f, "mean_ms": %.3f, "stdev_ms": %.3f, ' ..
        '"p50_ms": %.3f, "p90_ms": %.3f, "p99_ms": %.3f, "p99_9_ms": %.3f, "max_ms": %.3f, ' ..
        '"non_2xx_3xx": %d, "socket_errors": %d, "timeouts": %d}\n',
        summary.requests, seconds, summary.requests / seconds, latency.mean / 1000, latency.stdev / 1000,
        ms(50), ms(90), ms(99), ms(99.9), latency.max / 1000,
        errors.status, errors.connect + errors.read + errors.write, errors.timeout))
end
