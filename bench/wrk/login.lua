-- Login with the right password: bound by the password hash (bcrypt cost 12 for QRConnect,
-- Django's default PBKDF2 for the peer), on purpose; neither is weakened for the benchmark.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
wrk.method = "POST"
wrk.path = "/api/auth/login/"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"username": ' .. quoted(env("LOGIN_USERNAME")) .. ', "password": ' .. quoted(env("LOGIN_PASSWORD")) .. '}'
