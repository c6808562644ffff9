-- Guest send with an existing guest session (its token in X-Guest-Token): one stored message each.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
wrk.method = "POST"
wrk.path = "/api/chat/send/"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Guest-Token"] = env("GUEST_TOKEN")
wrk.body = '{"receiver": ' .. env("GUEST_OWNER_ID") .. ', "content": "I am next to the car, the lights are on."}'
