-- User-to-user send: every request stores one message (a durable write).
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
wrk.method = "POST"
wrk.path = "/api/chat/send/"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Token " .. env("SENDER_TOKEN")
wrk.body = '{"receiver": ' .. env("RECIPIENT_ID") .. ', "content": "Your lights are on, parked at the corner."}'
