-- An owner with 5 000 guests lists their guest conversations (default page: 100, newest first).
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
wrk.method = "GET"
wrk.path = "/api/chat/conversations-anonymes/"
wrk.headers["Authorization"] = "Token " .. env("INBOX_OWNER_TOKEN")
