-- The framework's ceiling: bench/ceiling's one route, a constant JSON object.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
wrk.method = "GET"
wrk.path = "/ceiling"
