-- A finder (anonymous) scans a code that is already linked to its owner.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
wrk.method = "POST"
wrk.path = "/api/auth/scan-qr/"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"token": ' .. quoted(env("QR_TOKEN")) .. '}'
